"""Shared machinery of the word-embedding scorers (word2vec, GloVe).

Training text: one "sentence" per post, its caption words (hashtags replaced by
their segmentation), the words of its place, and for each tag both a tag token
`#key` and the tag's segmented words. Captions and tags so live in one space.

Scoring: the post's vector is the mean of its caption and place word vectors
(optionally SIF-weighted, `sif` > 0) plus its given tags' vectors; every
vocabulary tag is scored by a dot product with it. `mode: cosine` (the original
project's approach) compares unit vectors in the one input space; `mode:
predict` (the default, about 2.5x as accurate on TweetEval) represents a tag by
its raw *output* (context) vector, so the score says how strongly the tag is
predicted beside these words, not how alike tag and words are. A tag's vector
blends its own `#key` vector with the mean of its segmented words, trusting its
own more the more often it was seen (n / (n + tag_prior)), so rare tags and
tags never seen as a token still score.

Scores are z-scores over the candidate tags. Per topic (`per_topic: true`): one
space per topic of the text topic classifier (trained on that topic's posts)
plus the global one; a post routed to a topic (the text classifier's, or a topic
already in the query cache, e.g. the image's) gets
`(1 - topic_weight) * global + topic_weight * topic` on that topic's tags.
Everything is stored as npz + JSON; scoring is a matrix-vector product.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, top_scores
from taglens.post import Post, TopicPrediction
from taglens.text.clean import CleanText, clean, content_words, tag_token


@dataclass
class Space:
    """One embedding space: query-side word vectors and candidate tag vectors
    (unit rows in cosine mode; raw, scaled to unit mean length, in predict mode)."""

    words: list[str]
    word_vectors: np.ndarray  # (n_words, d) float32
    word_weights: np.ndarray  # (n_words,) SIF weights (all 1 when `sif` is 0)
    tag_rows: np.ndarray  # (n_tags,) int32 indices into the model vocab
    tag_vectors: np.ndarray  # (n_tags, d) float32

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}
        self.tag_pos = {int(r): i for i, r in enumerate(self.tag_rows)}

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "space.npz", word_vectors=self.word_vectors.astype(np.float16),
                            word_weights=self.word_weights.astype(np.float32),
                            tag_rows=self.tag_rows.astype(np.int32),
                            tag_vectors=self.tag_vectors.astype(np.float16))
        (folder / "words.json").write_text(json.dumps(self.words, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, vocab_size: int) -> "Space":
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        with np.load(folder / "space.npz", allow_pickle=False) as z:
            space = cls(words, z["word_vectors"].astype(np.float32), z["word_weights"].astype(np.float32),
                        z["tag_rows"].astype(np.int64), z["tag_vectors"].astype(np.float32))
        if len(words) != space.word_vectors.shape[0] or (space.tag_rows.size and space.tag_rows.max() >= vocab_size):
            raise ValueError(f"embedding space in {folder} does not match the model's vocabulary")
        return space

    @property
    def dim(self) -> int:
        return int(self.word_vectors.shape[1])

    def mean(self, words: Sequence[str]) -> np.ndarray | None:
        """Weighted mean of the known words' vectors (None when none is known)."""
        ids = [self.index[w] for w in words if w in self.index]
        if not ids:
            return None
        w = self.word_weights[ids]
        return (w @ self.word_vectors[ids]) / max(float(w.sum()), 1e-8)

    def tag_vector(self, key: str, segment: bool = True) -> np.ndarray | None:
        """A given tag's query-side vector: its own token, else its segmentation."""
        own = self.index.get(tag_token(key))
        if own is not None:
            return self.word_vectors[own]
        return self.mean(content_words(key)) if segment else None

    def query_vector(self, words: Sequence[str], given: Sequence[str], given_weight: float,
                     segment: bool = True) -> np.ndarray | None:
        """Unit vector of the post: its words' mean plus `given_weight` times its
        given tags' mean (each part unit length first, so neither drowns the other)."""
        total = np.zeros(self.dim, dtype=np.float32)
        caption = _unit(self.mean(words))
        if caption is not None:
            total += caption
        tags = [v for v in (self.tag_vector(k, segment) for k in given) if v is not None]
        if tags:
            mean_tag = _unit(np.mean(tags, axis=0))
            if mean_tag is not None:
                total += given_weight * mean_tag
        return _unit(total)


def _as_stored(space: Space) -> Space:
    """The space at the precision it is saved with (float16 vectors), so a fitted
    scorer and its saved copy give identical scores."""
    return replace(space, word_vectors=space.word_vectors.astype(np.float16).astype(np.float32),
                   tag_vectors=space.tag_vectors.astype(np.float16).astype(np.float32))


def _unit(v: np.ndarray | None) -> np.ndarray | None:
    if v is None:
        return None
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 1e-8 else None


def _standardised(x: np.ndarray) -> np.ndarray:
    """Scores as z-scores over the candidates: spaces trained on different data
    (global, per topic) score on different scales, so they are mixed as z-scores."""
    if x.size < 2:
        return x.astype(np.float32)
    std = float(x.std())
    return ((x - x.mean()) / (std if std > 1e-8 else 1.0)).astype(np.float32)


def _scaled(m: np.ndarray) -> np.ndarray:
    """Rows divided by the mean row length: raw geometry, unit scale on average."""
    m = np.asarray(m, dtype=np.float32)
    mean = float(np.linalg.norm(m, axis=1).mean()) if m.size else 1.0
    return m / max(mean, 1e-8)


def _unit_rows(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.maximum(n, 1e-8)).astype(np.float32)


def post_sentence(post: Post, segment: bool = True, with_location: bool = True) -> list[str]:
    """The training 'sentence' of a post: caption and place words, then each tag's
    token followed by its segmented words (so the tag sits beside its meaning)."""
    c = clean(post.text)
    words = list(c.tokens)
    if with_location:
        words.extend(c.location_tokens)
    for key in post.all_tag_keys():
        words.append(tag_token(key))
        if segment:
            words.extend(content_words(key))
    return words


class EmbeddingScorer(Scorer):
    """Base of word2vec / GloVe: subclasses only say how vectors are trained."""

    def __init__(self, mode: str = "predict", dim: int = 100, min_count: int = 2, max_words: int = 20000, tag_prior: float = 0.5,
                 sif: float = 0.0, unseen_weight: float = 0.0,
                 given_weight: float = 2.0, use_location: bool = True, segment: bool = True,
                 per_topic: bool = False, topic_weight: float = 0.3, min_topic_posts: int = 100,
                 prior_weight: float = 0.0, limit: int = 100, seed: int = 0,
                 topic_lists: str | Mapping[str, Sequence[str]] | None = None, **params: Any) -> None:
        if mode not in ("predict", "cosine"):
            raise ValueError(f"mode must be 'predict' or 'cosine', not {mode!r}")
        super().__init__(mode=mode, dim=dim, min_count=min_count, max_words=max_words, tag_prior=tag_prior,
                         sif=sif, unseen_weight=unseen_weight,
                         given_weight=given_weight, use_location=use_location, segment=segment,
                         per_topic=per_topic, topic_weight=topic_weight, min_topic_posts=min_topic_posts,
                         prior_weight=prior_weight, limit=limit, seed=seed, **params)
        if isinstance(topic_lists, str):
            self.params["topic_lists"] = topic_lists  # a path is recorded; a mapping (tests) is not
        self.topic_lists = topic_lists
        self.spaces: dict[str, Space] = {}
        self.router: Any = None  # a TopicClassifier when per_topic
        self._cache: dict[str, Any] = {}

    # -- training -------------------------------------------------------------
    @abstractmethod
    def train_vectors(self, sentences: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray | None]:
        """Words, their (n, d) input vectors and, where the method has them,
        output (context) vectors; `mode: predict` scores tags by the latter."""

    def finish_space(self, space: Space, vocab: Vocab) -> Space:
        """Hook for subclasses that enrich a trained space (GloVe's pretrained blend)."""
        return space

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        seg, loc = bool(self.params["segment"]), bool(self.params["use_location"])
        sentences = [post_sentence(p, seg, loc) for p in posts]
        self._cache = {}
        self.spaces = {"_global": self._fit_space(sentences, vocab, None)}
        if self.params["per_topic"]:
            self._fit_topics(posts, sentences, vocab)

    def _fit_topics(self, posts: Sequence[Post], sentences: list[list[str]], vocab: Vocab) -> None:
        from taglens.text.topics import TopicClassifier

        self.router = TopicClassifier(self.topic_lists, seed=int(self.params["seed"]))
        labels = self.router.labels_of(posts)
        self.router.fit(posts, labels)
        for topic in self.router.topics:
            ids = [i for i, lab in enumerate(labels) if lab == topic]
            if len(ids) < int(self.params["min_topic_posts"]):
                continue
            tags = {k for i in ids for k in posts[i].tag_keys if k in vocab.index}
            self.spaces[topic] = self._fit_space([sentences[i] for i in ids], vocab, tags)

    def _fit_space(self, sentences: list[list[str]], vocab: Vocab, only_tags: set[str] | None) -> Space:
        words, inputs, outputs = self.train_vectors(sentences)
        counts = _token_counts(sentences)
        keep = _kept_words(words, counts, vocab, int(self.params["max_words"]))
        words = [words[i] for i in keep]
        inputs = np.asarray(inputs, dtype=np.float32)[keep]
        outputs = None if outputs is None else np.asarray(outputs, dtype=np.float32)[keep]
        if self.params["mode"] == "predict" and outputs is not None:
            # Raw vectors: a context vector's length says how strongly the tag is
            # predicted at all (unit-normalising them halves GloVe's accuracy).
            inputs, outputs = _scaled(inputs), _scaled(outputs)
        else:
            inputs = outputs = _unit_rows(np.asarray(inputs, dtype=np.float32))
        total = max(sum(counts.values()), 1)
        a = float(self.params["sif"])
        weights = np.asarray([a / (a + counts.get(w, 1) / total) if a > 0 else 1.0 for w in words],
                             dtype=np.float32)
        empty = np.zeros((0, inputs.shape[1]), dtype=np.float32)
        query_side = Space(words, inputs, weights, np.zeros(0, dtype=np.int64), empty)
        candidate_side = Space(words, outputs, weights, np.zeros(0, dtype=np.int64), empty)
        rows, vecs = self._tag_vectors(candidate_side, counts, vocab, only_tags)
        space = replace(query_side, tag_rows=np.asarray(rows, dtype=np.int64),
                        tag_vectors=np.vstack(vecs) if vecs else empty)
        return _as_stored(self.finish_space(space, vocab))

    def _tag_vectors(self, side: Space, counts: dict[str, int], vocab: Vocab,
                     only_tags: set[str] | None) -> tuple[list[int], list[np.ndarray]]:
        """Each candidate tag's vector: own token blended with its segmentation.

        A tag never seen as a token (a vocabulary tag below the embedding's
        min_count) is known by its words alone; `unseen_weight` scales it, since
        nothing says people use it. Default 0: not proposed. On TweetEval with
        every tag in the vocabulary such tags crowd out real ones (word2vec A@5
        9.5 % at 0, 5.1 % at 0.1, 2.7 % at 1.0); the sentence scorer reaches them.
        """
        rows, vecs = [], []
        prior = float(self.params["tag_prior"])
        unit = self.params["mode"] == "cosine"
        unseen = float(self.params["unseen_weight"])
        for row, key in enumerate(vocab.keys):
            if only_tags is not None and key not in only_tags:
                continue
            own_i = side.index.get(tag_token(key))
            seg = side.mean(content_words(key)) if self.params["segment"] else None
            weight = 1.0 if own_i is not None else unseen
            if (own_i is None and seg is None) or weight <= 0:
                continue
            n = counts.get(tag_token(key), 0)
            alpha = n / (n + prior) if own_i is not None else 0.0
            v = alpha * side.word_vectors[own_i] if own_i is not None else 0.0
            if seg is not None:
                v = v + (1.0 - alpha) * seg
            v = _unit(v) if unit else np.asarray(v, dtype=np.float32)
            if v is not None and np.any(v):
                rows.append(row)
                vecs.append(weight * v)
        return rows, vecs

    # -- scoring --------------------------------------------------------------
    def segmenting(self) -> bool:
        """Segment tags at query time: the model's setting, unless the evaluation's
        segmentation ablation (`taglens.text.tagtext.segmentation(False)`) is on."""
        from taglens.text.tagtext import segmentation_enabled

        return bool(self.params["segment"]) and segmentation_enabled()

    def query_words(self, query: Query) -> list[str]:
        c: CleanText = query.cached("clean", lambda: clean(query.post.text))
        return c.words(segment_tags=self.segmenting(), with_location=bool(self.params["use_location"]))

    def route(self, query: Query) -> str | None:
        """The topic whose space serves this post, or None for the global space only."""
        if self.router is None:
            return None
        topic = query.cached("topic", lambda: self.router.predict_query(query))
        if isinstance(topic, TopicPrediction) and topic.label in self.spaces:
            return topic.label
        return None

    def dense_scores(self, query: Query, vocab: Vocab) -> tuple[np.ndarray, np.ndarray] | None:
        """(vocab rows, scores) for this post, or None when none of its words is known."""
        if not self.spaces:
            raise RuntimeError(f"{self.name} scorer used before fit or load")
        words = self.query_words(query)
        given_weight = float(self.params["given_weight"])
        space = self.spaces["_global"]
        segment = self.segmenting()
        q = space.query_vector(words, query.given, given_weight, segment)
        if q is None:
            return None
        scores = _standardised(space.tag_vectors @ q)
        topic = self.route(query)
        if topic is not None:
            local = self.spaces[topic]
            qt = local.query_vector(words, query.given, given_weight, segment)
            if qt is not None and local.tag_rows.size:
                pos, ok = self._topic_positions(topic)
                w = float(self.params["topic_weight"])
                scores[pos] = (1 - w) * scores[pos] + w * _standardised(local.tag_vectors[ok] @ qt)
        prior_weight = float(self.params["prior_weight"])
        if prior_weight:
            scores = scores + prior_weight * self._prior(vocab)
        return space.tag_rows, scores

    def _topic_positions(self, topic: str) -> tuple[np.ndarray, np.ndarray]:
        """Where a topic space's tags sit in the global space's rows (computed once)."""
        key = "pos:" + topic
        if key not in self._cache:
            space, local = self.spaces["_global"], self.spaces[topic]
            pos = np.asarray([space.tag_pos.get(int(r), -1) for r in local.tag_rows], dtype=np.int64)
            self._cache[key] = (pos[pos >= 0], pos >= 0)
        return self._cache[key]

    def _prior(self, vocab: Vocab) -> np.ndarray:
        """log-popularity of the global space's tags on [0, 1] (computed once)."""
        if "prior" not in self._cache:
            counts = vocab.counts[self.spaces["_global"].tag_rows]
            self._cache["prior"] = (np.log1p(counts) / np.log1p(max(int(vocab.counts.max(initial=1)), 1))
                                    ).astype(np.float32)
        return self._cache["prior"]

    def score(self, query: Query, vocab: Vocab) -> Scores:
        dense = self.dense_scores(query, vocab)
        if dense is None:
            return {}
        rows, scores = dense
        if "keys" not in self._cache:
            self._cache["keys"] = [vocab.keys[int(r)] for r in rows]
        keys = self._cache["keys"]
        return top_scores(keys, scores, int(self.params["limit"]), exclude=tuple(query.given))

    # -- persistence ----------------------------------------------------------
    def save(self, folder: Path) -> None:
        if not self.spaces:
            raise RuntimeError(f"nothing to save: {self.name} scorer is not fitted")
        folder.mkdir(parents=True, exist_ok=True)
        for name, space in self.spaces.items():
            space.save(folder / "spaces" / name)
        if self.router is not None:
            self.router.save(folder / "router")
        (folder / "config.json").write_text(json.dumps({"params": self.params, "spaces": list(self.spaces)}))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "EmbeddingScorer":
        scorer = cls(**params)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        scorer.spaces = {name: Space.load(folder / "spaces" / name, len(vocab)) for name in config["spaces"]}
        if (folder / "router").is_dir():
            from taglens.text.topics import TopicClassifier

            scorer.router = TopicClassifier.load(folder / "router")
        return scorer


def _kept_words(words: list[str], counts: dict[str, int], vocab: Vocab, max_words: int) -> list[int]:
    """Indices of the words worth storing: the `max_words` most frequent plain words
    and the tokens of candidate tags (a given tag is embedded from its token)."""
    plain = sorted((i for i, w in enumerate(words) if not w.startswith("#")),
                   key=lambda i: -counts.get(words[i], 0))[:max_words]
    tags = [i for i, w in enumerate(words) if w.startswith("#") and w[1:] in vocab.index]
    return sorted(plain + tags)


def _token_counts(sentences: list[list[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sentence in sentences:
        for w in sentence:
            counts[w] = counts.get(w, 0) + 1
    return counts

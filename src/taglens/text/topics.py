"""The text topic classifier: which of the 8 topics a post is about, from its words.

Labels come from the original project's per-topic top-100 hashtag lists
(`../shared/data/ire-team13-instagram/top100_hashtags_by_topic.json`; read at
training time, never copied into a model): a post whose tags hit a topic's list
gets that topic. Generic tags sit in many lists (#love is in six), so a tag votes
for a topic with weight (1 - rank / 2 / list length) / (number of lists holding
it); the best topic wins when its vote is at least `min_vote` and beats the
runner-up by `margin` (ties and weak evidence stay unlabelled). A post with its
own `topic` field keeps it.

The classifier is a multinomial logistic regression (scikit-learn at training
time; numpy weights in npz at serving time) over caption words, place words,
tag words (segmented) and tag tokens, with a 'none' class learned from
unlabelled posts so that most TweetEval posts are not forced into a topic. Each
labelled post is also shown without its tags, so that the caption alone learns
to speak for the topic (the evaluation hides every tag).
"""

from __future__ import annotations

import json
import os
import random
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.errors import InputError, ModelError
from taglens.hashtags import hashtag_key
from taglens.query import Query
from taglens.post import Post, TopicPrediction
from taglens.text.clean import CleanText, clean, content_words, tag_token
from taglens.topics import TOPICS  # the one list of topic names

NONE = "none"
# The source file's keys -> our topic names ('selfie' is not one of the 8; its
# list still counts when judging how generic a tag is).
SOURCE_NAMES = {"pet": "pets", "baby": "babies", "pets": "pets", "babies": "babies"}
LISTS_FILE = "ire-team13-instagram/top100_hashtags_by_topic.json"
TEXT_PROBS_KEY = "text_topic_probs"  # {topic: p} over the 8 topics, read by image_topic
RAW_PROBS_KEY = "text_topic_raw"  # {class: p}, the none class included


MISSING_LISTS = (
    "the per-topic hashtag lists were not found (" + LISTS_FILE + "), so the topic classifiers learn "
    "only from posts that carry a topic label. To label posts by their tags too, set TAGLENS_TOPIC_LISTS "
    "to that file, put it under ../shared/data, or give \"topic_lists\": PATH to the topic scorers in --config."
)
_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """One warning per process: every topic scorer (and every cross-fitting fold) would say the same."""
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def find_topic_lists(path: str | Path | None = None) -> Path:
    """The per-topic hashtag lists: `path`, $TAGLENS_TOPIC_LISTS, or ../shared/data."""
    candidates = [Path(p) for p in (path, os.environ.get("TAGLENS_TOPIC_LISTS")) if p]
    shared = Path(os.environ.get("TAGLENS_SHARED", Path(__file__).resolve().parents[4] / "shared"))
    candidates += [shared / "data" / LISTS_FILE, Path.cwd().parent / "shared" / "data" / LISTS_FILE]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise InputError(f"no per-topic hashtag lists (looked for {LISTS_FILE}); pass topic_lists=PATH")


def load_topic_lists(source: str | Path | Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """{source list name: [tag keys, best first]}, from a mapping or a JSON file."""
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = find_topic_lists(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a JSON object of tag lists ({exc})") from None
    if not isinstance(data, Mapping):
        raise InputError("topic lists must be a JSON object {topic: [tags]}")
    return {str(name): [hashtag_key(t) for t in tags if hashtag_key(t)] for name, tags in data.items()}


def tag_votes(lists: Mapping[str, Sequence[str]]) -> dict[str, dict[str, float]]:
    """{tag key: {topic: vote}}: rank-discounted, divided by how many lists hold the tag."""
    lists = {name: [hashtag_key(t) for t in tags] for name, tags in lists.items()}
    holders: dict[str, int] = {}
    for tags in lists.values():
        for key in set(tags):
            holders[key] = holders.get(key, 0) + 1
    votes: dict[str, dict[str, float]] = {}
    for name, tags in lists.items():
        topic = SOURCE_NAMES.get(name, name)
        if topic not in TOPICS:
            continue
        for rank, key in enumerate(tags):
            v = (1.0 - 0.5 * rank / max(len(tags), 1)) / holders[key]
            slot = votes.setdefault(key, {})
            slot[topic] = max(slot.get(topic, 0.0), v)
    return votes


def label_post(keys: Sequence[str], votes: Mapping[str, Mapping[str, float]], min_vote: float = 0.5,
               margin: float = 0.1) -> str | None:
    """The topic a post's tags point to, or None when they say too little or tie."""
    totals: dict[str, float] = {}
    for key in keys:
        for topic, v in votes.get(key, {}).items():
            totals[topic] = totals.get(topic, 0.0) + v
    if not totals:
        return None
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return best if score >= min_vote and score - runner_up >= margin else None


def features(c: CleanText, tags: Sequence[str]) -> list[str]:
    """Feature strings of a post: caption and place words, tag words, tag tokens."""
    out = list(c.tokens) + list(c.location_tokens)
    for key in dict.fromkeys([*c.hashtags, *tags]):
        out.append(tag_token(key))
        out.extend(content_words(key))
    return out


class TopicClassifier:
    """Multinomial logistic regression over bag-of-words features, numpy at serving time."""

    def __init__(self, topic_lists: str | Mapping[str, Sequence[str]] | None = None, min_vote: float = 0.5,
                 margin: float = 0.1, min_prob: float = 0.4, none_ratio: float = 2.0, c: float = 1.0,
                 max_features: int = 30000, seed: int = 0) -> None:
        self.topic_lists = topic_lists
        self.min_vote, self.margin, self.min_prob = min_vote, margin, min_prob
        self.none_ratio, self.c, self.max_features, self.seed = none_ratio, c, max_features, seed
        self.votes: dict[str, dict[str, float]] = {}
        self.classes: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.weights = np.zeros((0, 0), dtype=np.float32)  # (n_features, n_classes)
        self.bias = np.zeros(0, dtype=np.float32)

    @property
    def topics(self) -> list[str]:
        return [c for c in self.classes if c != NONE]

    # -- labels ---------------------------------------------------------------
    def labels_of(self, posts: Sequence[Post]) -> list[str | None]:
        """Each post's training label: its own topic field, else its tags' vote."""
        if not self.votes:
            self.votes = self._votes_or_none()
        out: list[str | None] = []
        for post in posts:
            own = SOURCE_NAMES.get(post.topic or "", post.topic or "")
            out.append(own if own in TOPICS else label_post(post.all_tag_keys(), self.votes,
                                                            self.min_vote, self.margin))
        return out

    def _votes_or_none(self) -> dict[str, dict[str, float]]:
        """The lists' votes; without lists (no ../shared) only posts' own `topic` labels
        count, so training a model with topic scorers never fails for want of them."""
        try:
            return tag_votes(load_topic_lists(self.topic_lists))
        except InputError:
            if self.topic_lists is not None:
                raise
            _warn_once(MISSING_LISTS)
            return {}

    # -- training -------------------------------------------------------------
    def fit(self, posts: Sequence[Post], labels: Sequence[str | None] | None = None) -> dict[str, int]:
        """Train on `posts` (labelled by `labels_of` unless given); returns label counts."""
        labels = list(labels) if labels is not None else self.labels_of(posts)
        docs, ys = self._training_rows(posts, labels)
        counts = {y: ys.count(y) for y in dict.fromkeys(ys)}
        self.classes = sorted(counts)
        if len(self.classes) < 2:
            self.classes = []
            return counts
        self._build_vocabulary(docs)
        self._fit_linear(docs, ys)
        return counts

    def _training_rows(self, posts: Sequence[Post], labels: Sequence[str | None]) -> tuple[list[list[str]], list[str]]:
        rng = random.Random(self.seed)
        docs: list[list[str]] = []
        ys: list[str] = []
        unlabelled: list[int] = []
        for i, (post, label) in enumerate(zip(posts, labels, strict=True)):
            if label is None:
                unlabelled.append(i)
                continue
            c = clean(post.text)
            docs.append(features(c, post.tag_keys))
            ys.append(label)
            caption_only = list(c.tokens) + list(c.location_tokens)
            if caption_only:
                docs.append(caption_only)
                ys.append(label)
        n_none = int(self.none_ratio * len(ys))
        for i in rng.sample(unlabelled, min(n_none, len(unlabelled))):
            c = clean(posts[i].text)
            docs.append(features(c, posts[i].tag_keys) if rng.random() < 0.5 else list(c.tokens))
            ys.append(NONE)
        return docs, ys

    def _build_vocabulary(self, docs: list[list[str]]) -> None:
        df: dict[str, int] = {}
        for doc in docs:
            for f in set(doc):
                df[f] = df.get(f, 0) + 1
        kept = sorted((f for f, n in df.items() if n >= 2), key=lambda f: (-df[f], f))[: self.max_features]
        self.vocabulary = {f: i for i, f in enumerate(sorted(kept))}

    def _matrix(self, docs: Sequence[Sequence[str]]):  # -> scipy.sparse.csr_matrix
        from scipy import sparse

        rows, cols = [], []
        for r, doc in enumerate(docs):
            for j in {self.vocabulary[f] for f in doc if f in self.vocabulary}:
                rows.append(r)
                cols.append(j)
        m = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                              shape=(len(docs), len(self.vocabulary)))
        norms = np.sqrt(np.asarray(m.sum(axis=1)).ravel())
        return sparse.diags(1.0 / np.maximum(norms, 1.0)) @ m

    def _fit_linear(self, docs: list[list[str]], ys: list[str]) -> None:
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            raise ModelError("training the topic classifier needs scikit-learn (pip install 'taglens[train]')") from None
        y = np.asarray([self.classes.index(v) for v in ys])
        model = LogisticRegression(C=self.c, max_iter=300, class_weight="balanced")
        model.fit(self._matrix(docs), y)
        coef, intercept = model.coef_, model.intercept_
        if len(self.classes) == 2:  # sklearn keeps one row for a binary problem
            coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.asarray([-intercept[0] / 2, intercept[0] / 2])
        self.weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.bias = np.asarray(intercept, dtype=np.float32)

    # -- prediction -----------------------------------------------------------
    def probabilities(self, c: CleanText, tags: Sequence[str]) -> dict[str, float] | None:
        """P(class | post) over the classes (None when no feature of the post is known)."""
        if not self.classes:
            return None
        ids = sorted({self.vocabulary[f] for f in features(c, tags) if f in self.vocabulary})
        if not ids:
            return None
        logits = self.weights[ids].sum(axis=0) / np.sqrt(len(ids)) + self.bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return {name: float(v) for name, v in zip(self.classes, p, strict=True)}

    def decide(self, probs: Mapping[str, float] | None) -> TopicPrediction | None:
        """A topic when the best class is not 'none' and is at least `min_prob` likely."""
        if not probs:
            return None
        label = max(probs, key=probs.get)
        if label == NONE or probs[label] < self.min_prob:
            return None
        return TopicPrediction(label, probs[label])

    def predict(self, c: CleanText, tags: Sequence[str]) -> TopicPrediction | None:
        return self.decide(self.probabilities(c, tags))

    def query_probabilities(self, query: Query) -> dict[str, float] | None:
        """P(class | post) for a served post, computed once per post (query cache);
        also leaves P(topic) over the 8 topics for the image topic scorer to combine with."""
        def compute() -> dict[str, float] | None:
            c: CleanText = query.cached("clean", lambda: clean(query.post.text))
            probs = self.probabilities(c, query.given)
            total = sum(v for k, v in (probs or {}).items() if k != NONE)
            if probs and total > 0:
                query.cache.setdefault(TEXT_PROBS_KEY, {k: v / total for k, v in probs.items() if k != NONE})
            return probs

        return query.cached(RAW_PROBS_KEY, compute)

    def predict_query(self, query: Query) -> TopicPrediction | None:
        """The served post's topic when the classifier is confident and it is not 'none'."""
        return self.decide(self.query_probabilities(query))

    def predict_post(self, post: Post) -> TopicPrediction | None:
        return self.predict(clean(post.text), post.all_tag_keys())

    # -- persistence ----------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "topic_weights.npz", weights=self.weights.astype(np.float32),
                            bias=self.bias.astype(np.float32))
        features_sorted = sorted(self.vocabulary, key=self.vocabulary.get)
        (folder / "topic_classifier.json").write_text(json.dumps({
            "classes": self.classes, "features": features_sorted, "min_prob": self.min_prob,
        }, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> "TopicClassifier":
        meta = json.loads((folder / "topic_classifier.json").read_text(encoding="utf-8"))
        model = cls(min_prob=float(meta.get("min_prob", 0.4)))
        model.classes = list(meta["classes"])
        model.vocabulary = {f: i for i, f in enumerate(meta["features"])}
        with np.load(folder / "topic_weights.npz", allow_pickle=False) as z:
            model.weights, model.bias = z["weights"].astype(np.float32), z["bias"].astype(np.float32)
        if model.weights.shape != (len(model.vocabulary), len(model.classes)):
            raise ValueError(f"topic classifier in {folder} is damaged (weights do not match its features)")
        return model

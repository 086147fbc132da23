"""Sentence embeddings, use 1: caption-to-hashtag similarity.

Each vocabulary tag is embedded once, at fit time, from its segmentation
('#goldengate' -> 'golden gate') with all-MiniLM-L6-v2; a post is embedded from
its cleaned caption plus its given tags (as words). The score of a tag is the
cosine of the two. Because a tag is embedded from its words, not from the posts
it was used on, a tag seen twice scores as well as one seen a thousand times:
this is the scorer that reaches the long tail.

The caption embedding goes into the query cache ('caption_embedding') so the
kNN scorer reuses it; `score_many` encodes a whole batch in one ONNX call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.post import Post
from taglens.text.tagtext import post_text, tag_texts

CACHE_KEY = "caption_embedding"


def _encoder():
    from taglens.text.sentence import SentenceEncoder

    return SentenceEncoder.load()


def ensure_caption_embeddings(queries: Sequence[Query]) -> list[np.ndarray]:
    """The caption embedding of each query, encoding the missing ones in one batch.

    A post with no usable text embeds as the zero vector (every cosine is 0),
    which scorers read as 'nothing to say'.
    """
    missing = [q for q in queries if CACHE_KEY not in q.cache]
    if missing:
        texts = [post_text(q.post) for q in missing]
        vectors = _encoder().encode(texts) if any(t.strip() for t in texts) else np.zeros((len(texts), 384), np.float32)
        for query, vector in zip(missing, vectors, strict=True):
            query.cache[CACHE_KEY] = vector
    return [q.cache[CACHE_KEY] for q in queries]


def embed_posts(posts: Sequence[Post]) -> np.ndarray:
    """Unit embeddings of training posts' texts (tags as words), for fitting."""
    return _encoder().encode([post_text(p) for p in posts])


@register_scorer
class SentenceScorer(Scorer):
    """Cosine between the post's embedding and each tag's segmentation embedding."""

    name = "sentence"

    def __init__(self, max_tags: int = 10000, limit: int = 100, **params: Any) -> None:
        super().__init__(max_tags=max_tags, limit=limit, **params)
        self.max_tags = int(max_tags)
        self.limit = int(limit)
        self.tag_ids = np.zeros(0, dtype=np.int32)
        self.matrix = np.zeros((0, 384), dtype=np.float32)

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Embed the `max_tags` most used tags (vocab is sorted by use)."""
        self.tag_ids = np.arange(min(self.max_tags, len(vocab)), dtype=np.int32)
        self.embed_tags(vocab)

    def embed_tags(self, vocab: Vocab) -> None:
        """(Re)compute the tag matrix; the evaluation's ablation calls it with segmentation off."""
        texts = tag_texts([vocab.displays[i] for i in self.tag_ids])
        self.matrix = _encoder().encode(texts).astype(np.float32)

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        vectors = ensure_caption_embeddings(queries)
        keys = self._keys(vocab)
        out: list[Scores] = []
        for query, vector in zip(queries, vectors, strict=True):
            if not np.any(vector) or not len(keys):
                out.append({})
                continue
            sims = self.matrix @ vector
            scores = top_scores(keys, sims, self.limit, exclude=query.given)
            out.append({k: v for k, v in scores.items() if v > 0})
        return out

    def _keys(self, vocab: Vocab) -> list[str]:
        """The matrix rows' tag keys, built once per vocabulary (not per post)."""
        cached = getattr(self, "_key_cache", None)
        if cached is None or cached[0] is not vocab or len(cached[1]) != len(self.tag_ids):
            cached = (vocab, [vocab.keys[i] for i in self.tag_ids])
            self._key_cache = cached
        return cached[1]

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        np.savez_compressed(folder / "tags.npz", tag_ids=self.tag_ids,
                            matrix=self.matrix.astype(np.float16))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "SentenceScorer":
        scorer = cls(**params)
        with np.load(folder / "tags.npz", allow_pickle=False) as z:
            scorer.tag_ids = z["tag_ids"].astype(np.int32)
            scorer.matrix = z["matrix"].astype(np.float32)
        vocab.check_ids(scorer.tag_ids, "sentence")
        return scorer

"""Sentence embeddings, use 2: the nearest training posts vote for their tags.

Where the `sentence` scorer asks 'which tag *means* what this caption says', kNN
asks 'what did people tag posts like this with', which catches conventions no
tag's words reveal (#tbt under an old photo, #nofilter under a sunset).

A training post is embedded from its caption with its hashtags as words (for
HARRISON, which has no captions, that is the tag list itself; so with one tag
given, neighbours are posts whose tags read alike). To keep the model small, a
bounded, seeded sample of posts is kept (captioned posts first), quantised to int8 (unit vectors'
components lie in [-1, 1]; 1/127 steps cost < 0.5% cosine).

Like answers like: a post with a caption is matched only against training
posts with captions (when there are any), a bare tag list only against tag
lists, so HARRISON's lemmatised tag lists do not vote on a tweet's caption.

Each of the `k` nearest posts votes for its tags with weight
exp((cos - best_cos) / temperature); a tag's score is its share of the votes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, vote_for_tags
from taglens.models.scorers.sentence import embed_posts, ensure_caption_embeddings
from taglens.post import Post
from taglens.text.tagtext import has_prose


NEAR_KEY = "knn.near"  # (row indices, cosines) of the k nearest posts of the last vote


@register_scorer
class KnnScorer(Scorer):
    name = "knn"

    def __init__(self, max_posts: int = 20000, k: int = 40, temperature: float = 0.05,
                 limit: int = 100, seed: int = 13, **params: Any) -> None:
        super().__init__(max_posts=max_posts, k=k, temperature=temperature, limit=limit, seed=seed, **params)
        self.max_posts, self.k, self.limit = int(max_posts), int(k), int(limit)
        self.temperature, self.seed = float(temperature), int(seed)
        self.embeddings = np.zeros((0, 384), dtype=np.float32)
        self.indptr = np.zeros(1, dtype=np.int64)
        self.tag_ids = np.zeros(0, dtype=np.int32)
        self.has_text = np.zeros(0, dtype=bool)

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        usable = self._sample([p for p in posts if any(k in vocab.index for k in p.tag_keys)])
        lists = [[vocab.index[k] for k in p.tag_keys if k in vocab.index] for p in usable]
        self.indptr = np.cumsum([0] + [len(t) for t in lists]).astype(np.int64)
        self.tag_ids = np.asarray([i for t in lists for i in t], dtype=np.int32)
        self.has_text = np.asarray([has_prose(p) for p in usable], dtype=bool)
        self.embeddings = _dequantise(_quantise(embed_posts(usable))) if usable else self.embeddings

    def _sample(self, posts: list[Post]) -> list[Post]:
        """At most `max_posts`, seeded; captioned posts first (up to 3/4 of the
        budget), since a bare tag list adds little that co-occurrence lacks."""
        rng = np.random.default_rng(self.seed)

        def take(group: list[Post], n: int) -> list[Post]:
            if len(group) <= n:
                return group
            return [group[i] for i in np.sort(rng.choice(len(group), n, replace=False))]

        prose = [p for p in posts if has_prose(p)]
        bare = [p for p in posts if not has_prose(p)]
        kept = take(prose, max(self.max_posts * 3 // 4, self.max_posts - len(bare)))
        return kept + take(bare, self.max_posts - len(kept))

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        vectors = ensure_caption_embeddings(queries)
        return [self._vote(q, v, vocab) for q, v in zip(queries, vectors, strict=True)]

    def _vote(self, query: Query, vector: np.ndarray, vocab: Vocab) -> Scores:
        if self.embeddings.shape[0] == 0 or not np.any(vector):
            return {}
        first, sims, n = self._similarities(vector, has_prose(query.post))
        k = min(self.k, n)
        best = np.argpartition(-sims, k - 1)[:k]
        near, sims = first + best, sims[best]
        query.cache[NEAR_KEY] = (near, sims)  # recommend/grounding.py's subject support reads them
        weights = np.exp((sims - sims.max()) / self.temperature)
        return vote_for_tags(near, weights, self.indptr, self.tag_ids, vocab, query.given,
                             self.limit, scale=float(weights.sum()))

    def _similarities(self, vector: np.ndarray, prose: bool) -> tuple[int, np.ndarray, int]:
        """(first row, cosines from it on, how many are eligible): against the training posts
        of the post's own kind (with prose or without) when both kinds are stored. `_sample`
        stores the captioned posts first, so a kind is one run of rows and only its rows are
        read; in any other order the rest are masked out."""
        same = self.has_text == prose
        if not same.any() or same.all():
            return 0, self.embeddings @ vector, len(same)
        rows = np.flatnonzero(same)
        if rows[-1] - rows[0] + 1 == len(rows):
            return int(rows[0]), self.embeddings[rows[0]:rows[-1] + 1] @ vector, len(rows)
        return 0, np.where(same, self.embeddings @ vector, -2.0), len(rows)

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        np.savez_compressed(folder / "posts.npz", embeddings=_quantise(self.embeddings),
                            indptr=self.indptr, tag_ids=self.tag_ids, has_text=self.has_text)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "KnnScorer":
        scorer = cls(**params)
        with np.load(folder / "posts.npz", allow_pickle=False) as z:
            scorer.embeddings = _dequantise(z["embeddings"])
            scorer.indptr = z["indptr"].astype(np.int64)
            scorer.tag_ids = z["tag_ids"].astype(np.int32)
            n = scorer.embeddings.shape[0]
            scorer.has_text = z["has_text"].astype(bool) if "has_text" in z else np.ones(n, dtype=bool)
        vocab.check_ids(scorer.tag_ids, "knn")
        return scorer


def _quantise(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 127.0), -127, 127).astype(np.int8)


def _dequantise(q: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) / 127.0

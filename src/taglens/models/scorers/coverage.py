"""Coverage: a diverse set of tags for the posts that share the given tags.

Co-occurrence ranks each tag by P(tag | given) on its own, so its top 5 are
often near-synonyms that appear on the same posts (#love #instagood #instalove):
if one misses, all miss. Accuracy@5 asks for *at least one* hit, which is a
set question. This scorer answers it greedily on the training posts holding a
given tag: pick the tag on most of them, discount the posts it covers
(`decay`), pick again. Its scores are the successive coverage gains, so the
learned combiner sees both views and weighs them.

Stored: the training posts' tag ids as a CSR incidence matrix (npz).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer
from taglens.post import Post


@register_scorer
class CoverageScorer(Scorer):
    name = "coverage"

    def __init__(self, decay: float = 0.2, limit: int = 20, **params: Any) -> None:
        super().__init__(decay=decay, limit=limit, **params)
        self.decay, self.limit = float(decay), int(limit)
        self.posts = sparse.csr_matrix((0, 0), dtype=np.float32)
        self.by_tag = sparse.csc_matrix((0, 0), dtype=np.float32)

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        lists = [sorted({vocab.index[k] for k in p.tag_keys if k in vocab.index}) for p in posts]
        lists = [t for t in lists if len(t) >= 2]
        indptr = np.cumsum([0] + [len(t) for t in lists]).astype(np.int64)
        indices = np.asarray([i for t in lists for i in t], dtype=np.int32)
        self._set(indptr, indices, len(vocab))

    def _set(self, indptr: np.ndarray, indices: np.ndarray, n_tags: int) -> None:
        data = np.ones(len(indices), dtype=np.float32)
        self.posts = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, n_tags))
        self.by_tag = self.posts.tocsc()

    def score(self, query: Query, vocab: Vocab) -> Scores:
        given = [vocab.index[k] for k in query.given if k in vocab.index]
        if not given or self.posts.shape[0] == 0:
            return {}
        rows = np.unique(np.concatenate([self.by_tag.indices[self.by_tag.indptr[g]:self.by_tag.indptr[g + 1]]
                                         for g in given]))
        if rows.size == 0:
            return {}
        sub = self.posts[rows]
        weight = np.ones(rows.size, dtype=np.float32)
        banned = np.zeros(self.posts.shape[1], dtype=bool)
        banned[given] = True
        out: Scores = {}
        for _ in range(self.limit):
            gains = sub.T @ weight
            gains[banned] = 0.0
            best = int(np.argmax(gains))
            if gains[best] <= 0:
                break
            out[vocab.keys[best]] = float(gains[best]) / rows.size
            banned[best] = True
            covered = sub[:, best].toarray().ravel() > 0
            weight[covered] *= self.decay
        return out

    def save(self, folder: Path) -> None:
        self.save_params(folder)
        np.savez_compressed(folder / "posts.npz", indptr=self.posts.indptr.astype(np.int64),
                            indices=self.posts.indices.astype(np.int32),
                            n_tags=np.asarray([self.posts.shape[1]], dtype=np.int64))

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "CoverageScorer":
        scorer = cls(**params)
        with np.load(folder / "posts.npz", allow_pickle=False) as z:
            n_tags = int(z["n_tags"][0])
            if n_tags != len(vocab):
                raise ValueError("coverage posts do not match the model's vocabulary")
            scorer._set(z["indptr"], z["indices"], n_tags)
        return scorer

"""Co-occurrence: tags that appear with the tags already on the post.

Score of candidate t given tags g1..gm is the mean smoothed conditional
probability  P(t | g) = (C[g, t] + alpha * P(t)) / (n_g + alpha),  where C counts
posts holding both tags and P(t) is t's share of posts. The smoothing pulls rare
given tags towards the popularity prior instead of trusting one or two posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from taglens.models.arrays import load_csr, save_csr
from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer, top_scores
from taglens.post import Post


@register_scorer
class CooccurrenceScorer(Scorer):
    name = "cooccurrence"

    def __init__(self, alpha: float = 1.0, limit: int = 100, **params: Any) -> None:
        super().__init__(alpha=alpha, limit=limit, **params)
        self.alpha = float(alpha)
        self.limit = int(limit)
        self.counts: sparse.csr_matrix | None = None

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        rows: list[int] = []
        cols: list[int] = []
        for post in posts:
            ids = sorted({vocab.index[k] for k in post.tag_keys if k in vocab.index})
            for a in ids:
                for b in ids:
                    if a != b:
                        rows.append(a)
                        cols.append(b)
        n = len(vocab)
        data = np.ones(len(rows), dtype=np.float32)
        self.counts = sparse.csr_matrix((data, (rows, cols)), shape=(n, n), dtype=np.float32)
        self.counts.sum_duplicates()

    def score(self, query: Query, vocab: Vocab) -> Scores:
        if self.counts is None:
            raise RuntimeError("cooccurrence scorer used before fit or load")
        given = [vocab.index[k] for k in query.given if k in vocab.index]
        if not given:
            return {}
        prior = vocab.counts / max(vocab.total_posts, 1)
        total = np.zeros(len(vocab), dtype=np.float64)
        for g in given:
            row = np.asarray(self.counts.getrow(g).todense()).ravel()
            total += (row + self.alpha * prior) / (vocab.counts[g] + self.alpha)
        return top_scores(vocab.keys, total / len(given), self.limit, exclude=query.given)

    def save(self, folder: Path) -> None:
        if self.counts is None:
            raise RuntimeError("nothing to save: cooccurrence scorer is not fitted")
        self.save_params(folder)
        save_csr(folder / "counts.npz", self.counts)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "CooccurrenceScorer":
        scorer = cls(**params)
        scorer.counts = load_csr(folder / "counts.npz")
        if scorer.counts.shape[0] != len(vocab):
            raise ValueError("cooccurrence matrix does not match the model's vocabulary")
        return scorer

"""Popularity: the original project's 'Top-K' baseline.

It proposes the most used tags of the training corpus whatever the post says.
Alone it is the floor every other scorer must beat; inside the combiner it is a
prior that breaks ties towards tags people actually use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from taglens.models.base import Query, Scores, StatelessScorer, Vocab, register_scorer
from taglens.post import Post


@register_scorer
class PopularityScorer(StatelessScorer):
    name = "popularity"

    def __init__(self, limit: int = 100, **params: Any) -> None:
        super().__init__(limit=limit, **params)
        self.limit = limit

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Nothing to learn beyond the vocabulary's counts."""

    def score(self, query: Query, vocab: Vocab) -> Scores:
        given = set(query.given)
        total = max(vocab.total_posts, int(vocab.counts.max(initial=1)))
        take = min(len(vocab.keys), self.limit + len(given))  # vocab is sorted by count
        values = (np.log1p(vocab.counts[:take]) / np.log1p(total)).tolist()  # one array call, not one a tag
        out: Scores = {}
        for key, value in zip(vocab.keys[:take], values):
            if key in given:
                continue
            out[key] = value
            if len(out) >= self.limit:
                break
        return out

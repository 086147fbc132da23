"""The one metrics module: ranking metrics for hashtag recommendation.

P@K, R@K and A@K follow the HARRISON benchmark (Park et al. 2016):
  Precision@K = |top-K ∩ GT| / K
  Recall@K    = |top-K ∩ GT| / |GT|
  Accuracy@K  = 1 if top-K ∩ GT ≠ ∅ else 0
MRR is the reciprocal rank of the first correct tag (0 when none is ranked);
nDCG@K uses binary relevance. Every figure is a mean over posts, in [0, 1];
`bootstrap_interval` says how far such a mean could move on another sample of posts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

METRIC_NAMES = ("P@1", "P@5", "R@5", "A@5", "MRR", "nDCG@10")


def precision_at(pred: Sequence[str], gold: set[str], k: int) -> float:
    return len(set(pred[:k]) & gold) / k


def recall_at(pred: Sequence[str], gold: set[str], k: int) -> float:
    return len(set(pred[:k]) & gold) / len(gold) if gold else 0.0


def accuracy_at(pred: Sequence[str], gold: set[str], k: int) -> float:
    return 1.0 if set(pred[:k]) & gold else 0.0


def reciprocal_rank(pred: Sequence[str], gold: set[str]) -> float:
    for rank, key in enumerate(pred, start=1):
        if key in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at(pred: Sequence[str], gold: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, key in enumerate(pred[:k], start=1) if key in gold)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def post_metrics(pred: Sequence[str], gold: set[str]) -> dict[str, float]:
    """All standard metrics for one post: `pred` is ranked keys, `gold` the hidden keys."""
    return {
        "P@1": precision_at(pred, gold, 1),
        "P@5": precision_at(pred, gold, 5),
        "R@5": recall_at(pred, gold, 5),
        "A@5": accuracy_at(pred, gold, 5),
        "MRR": reciprocal_rank(pred, gold),
        "nDCG@10": ndcg_at(pred, gold, 10),
    }


def mean_metrics(rows: Iterable[dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over posts; {'n': 0} when there are none."""
    totals: dict[str, float] = {}
    n = 0
    for row in rows:
        n += 1
        for name, value in row.items():
            totals[name] = totals.get(name, 0.0) + value
    out = {name: total / n for name, total in totals.items()} if n else {}
    out["n"] = n
    return out


class TagSimilarity:
    """Tag-to-tag cosine in pretrained GloVe 6B 50d, as the original project measured.

    A tag GloVe knows ('sunset') is its own vector; otherwise the mean of its
    segmentation's words ('sunsetlover' -> 'sunset', 'lover'); a tag with no
    known word has no vector and only matches itself.
    """

    def __init__(self, glove=None, segment=None) -> None:  # noqa: ANN001 - duck-typed for tests
        if glove is None:
            from taglens.text.glove_pretrained import PretrainedGlove

            glove = PretrainedGlove.load()
        if segment is None:
            from taglens.text.clean import segment_tag as segment
        self.glove, self.segment = glove, segment
        self._cache: dict[str, object] = {}

    def vector(self, key: str):  # noqa: ANN201 - np.ndarray | None
        if key not in self._cache:
            v = self.glove.unit(key) if key in self.glove else self.glove.phrase(list(self.segment(key)))
            self._cache[key] = v
        return self._cache[key]

    def cosine(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        va, vb = self.vector(a), self.vector(b)
        return float(va @ vb) if va is not None and vb is not None else 0.0


def similarity_accuracy(pred: Sequence[str], gold: set[str], sim: TagSimilarity,
                        k: int = 10, threshold: float = 0.5) -> float:
    """The original project's metric: of k predictions, the share whose best
    GloVe cosine to a gold tag reaches `threshold` (missing predictions count as wrong)."""
    hits = sum(1 for p in pred[:k] if any(sim.cosine(p, g) >= threshold for g in gold))
    return hits / k


def bootstrap_interval(values: Sequence[float], level: float = 0.95, resamples: int = 2000,
                       seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of per-post `values` (seeded, so reports
    are reproducible). A goal met by less than half this width may not hold on new posts."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    return float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))

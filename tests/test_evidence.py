"""Issue 17 #4: every suggestion says why it is there (no `evidence: []`)."""

from __future__ import annotations

import numpy as np

from taglens.models.combiner import WeightedSumCombiner
from taglens.models.learned import LearnedCombiner


def combiner_with(weights: dict[str, float]) -> LearnedCombiner:
    combiner = LearnedCombiner(scorers=["a", "b"], contexts=())
    names = combiner.features.names
    w = np.zeros(len(names))
    for name, value in weights.items():
        w[names.index(name)] = value
    combiner.weights = w
    return combiner


def evidence(ranked) -> dict[str, list[str]]:
    return {r.key: r.evidence for r in ranked}


def test_a_tag_lifted_by_a_pair_product_names_both_scorers():
    # 'x' is proposed by both scorers and scores only through their product; 'y' only by b.
    combiner = combiner_with({"norm:a": -1.0, "norm:b": 0.1, "both:a+b": 2.0})
    got = evidence(combiner.combine({"a": {"x": 1.0}, "b": {"x": 1.0, "y": 1.0}}))
    assert got["x"] == ["b", "a"]  # b: its own weight plus half the product; a: half the product
    assert got["y"] == ["b"]


def test_a_tag_no_weight_lifts_names_the_scorers_that_proposed_it():
    combiner = combiner_with({"norm:a": -1.0, "norm:b": -1.0})
    got = evidence(combiner.combine({"a": {"x": 1.0, "z": 0.2}, "b": {"x": 0.5}}))
    assert got["x"] == ["a", "b"] and got["z"] == ["a"]


def test_weighted_sum_never_gives_empty_evidence():
    combiner = WeightedSumCombiner({"a": 0.0, "b": 1.0})
    got = evidence(combiner.combine({"a": {"x": 1.0}, "b": {"y": 1.0}}))
    assert got == {"y": ["b"], "x": ["a"]}

"""The served combiner reads only the base block of the feature matrix: the totals, the
trees' input and the evidence must be what the full matrix (the one the weights were
learned on, context copies included) gives."""

from __future__ import annotations

import numpy as np
import pytest

from taglens.models.base import Vocab
from taglens.models.learned import GLOBAL, LearnedCombiner
from taglens.models.trees import TreeEnsemble

SCORERS = ["a", "b", "cooccurrence", "openvocab"]
TAGS = [f"t{i}" for i in range(30)]


def combiner(seed: int) -> LearnedCombiner:
    rng = np.random.default_rng(seed)
    c = LearnedCombiner(scorers=SCORERS, contexts=("cooccurrence", "openvocab"), captioned={"a": 0.7})
    c.bind(Vocab(TAGS, ["#" + t for t in TAGS], list(range(60, 0, -2))))
    c.weights = rng.normal(0, 1, len(c.features.names))
    c.trained = ["b", "cooccurrence", "openvocab"]
    nb = len(c.features.base_names)
    # one stump on each context flag, one on a base column: every input column the trees read
    c.trees = TreeEnsemble(feature=[nb, -1, -1, nb + 1, -1, -1, 0, -1, -1],
                           threshold=[0.5, 0, 0, 0.5, 0, 0, 0.3, 0, 0],
                           left=[1, 1, 2, 4, 4, 5, 7, 7, 8], right=[2, 1, 2, 5, 4, 5, 8, 7, 8],
                           value=[0, -0.2, 0.9, 0, 0.1, -0.6, 0, 0.05, 0.4], roots=[0, 3, 6], depth=1)
    return c


def per_scorer(seed: int, speaking: set[str]) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed)
    return {name: {t: float(rng.uniform(0, 1.2)) for t in rng.choice(TAGS, 12, replace=False)}
            if name in speaking else {} for name in SCORERS}


def full_matrix_evidence(c: LearnedCombiner, x: np.ndarray) -> list[list[str]]:
    """The evidence rule written on the full matrix, as it was before serving read the base."""
    s, nb = len(c.scorers), len(c.features.base_names)
    contrib = np.maximum(x * c.weights, 0.0).reshape(len(x), -1, nb).sum(axis=1)
    g = 3 * s + len(GLOBAL)
    by = contrib[:, : 3 * s].reshape(len(x), s, 3).sum(axis=2) + contrib[:, g:g + s]
    for p, (a, b) in enumerate(c.features.pairs):
        by[:, a] += contrib[:, g + s + p] / 2
        by[:, b] += contrib[:, g + s + p] / 2
    proposed = x[:, : 3 * s].reshape(len(x), s, 3).max(axis=2)
    out = []
    for row, prop in zip(by, proposed, strict=True):
        total = row.sum()
        strong = [c.scorers[j] for j in np.argsort(-row, kind="stable") if total > 0 and row[j] >= c.share * total]
        out.append(strong or [c.scorers[j] for j in np.argsort(-prop, kind="stable") if prop[j] > 0])
    return out


@pytest.mark.parametrize("speaking", [{"a", "b"}, {"a", "cooccurrence"}, {"b", "openvocab"},
                                      {"a", "b", "cooccurrence", "openvocab"}])
def test_served_ranking_is_the_full_matrix_ranking(speaking: set[str]) -> None:
    for seed in range(5):
        c, scores = combiner(seed), per_scorer(seed, speaking)
        keys, x = c.features.build(scores)
        weights = c._captioned_weights() if "openvocab" in speaking else c.weights
        totals = x @ weights
        if "openvocab" in speaking:  # the trees' gate
            totals = totals + c.trees.predict(c._tree_input(x))
        order = np.argsort(-totals, kind="stable")
        served = c.combine(scores)
        assert [r.key for r in served] == [keys[i] for i in order]
        assert [r.score for r in served] == pytest.approx(totals[order].tolist(), abs=1e-9)
        assert [r.evidence for r in served] == full_matrix_evidence(c, x[order])


def test_the_trees_see_each_context_flag_only_where_its_scorer_spoke() -> None:
    c = combiner(0)
    for speaking in ({"a"}, {"a", "cooccurrence"}, {"openvocab", "b"}):
        scores = per_scorer(1, speaking)
        _, x = c.features.build(scores)
        _, base, on = c.features.build_base(scores)
        assert on == [name in speaking for name in c.features.contexts]
        assert np.array_equal(c._tree_input_of(base, on), c._tree_input(x))


def test_off_topic_weighs_down_only_the_named_scorer_and_only_when_asked() -> None:
    """`off_topic` ({"a": 1.0}) on a post of pictures only p('none of these') away from the
    corpus' topics: scorer a's features count 1 - p of their weight. p = 0 ranks as before; a
    tag only b proposes keeps its score at any p."""
    c = combiner(3)
    c.trees = None
    c.weights = np.abs(c.weights)  # every feature counts for a tag: a's share is visible
    c.off_topic = {"a": 1.0}
    answers = {"a": {"t1": 1.0, "t2": 0.2}, "b": {"t2": 1.0, "t3": 0.5}}
    as_before = {r.key: r.score for r in c.combine(answers)}
    assert {r.key: r.score for r in c.combine(answers, off_topic=0.0)} == as_before
    half = {r.key: r.score for r in c.combine(answers, off_topic=0.5)}
    gone = {r.key: r.score for r in c.combine(answers, off_topic=1.0)}
    assert gone["t1"] < half["t1"] < as_before["t1"]  # a alone proposed t1
    assert gone["t3"] == pytest.approx(as_before["t3"]) and gone["t2"] < as_before["t2"]
    c.off_topic = {}
    assert {r.key: r.score for r in c.combine(answers, off_topic=1.0)} == as_before  # a model without it
    assert LearnedCombiner.from_config({**c.to_config(), "off_topic": {"a": 1.0}}).off_topic == {"a": 1.0}

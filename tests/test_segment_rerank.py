"""Segmentation: the letter model of unknown words, and the two lattice paths.

Runs on the shipped data only (no ../shared).
"""

from __future__ import annotations

import numpy as np
import pytest

from taglens.text import Segmenter
from taglens.text.segment import FEATURES, OTHER_LETTER_LOGP, PAIR_FEATURES


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter.load()


@pytest.fixture(scope="module")
def random_weights_seg(seg) -> Segmenter:
    """The shipped lexicon with every weight non-zero, so no feature hides behind a zero weight."""
    rng = np.random.default_rng(3)
    weights = {name: float(seg.weights[name] or 0.5) * (1 + 0.3 * rng.standard_normal()) for name in FEATURES}
    for name in PAIR_FEATURES:
        weights[name] = float(rng.uniform(0.2, 1.5))
    return seg.with_weights(weights)


@pytest.mark.parametrize("tag", [
    "sunsetlover", "SUNSETLOVER",            # no written boundaries: the plain lattice
    "Sunsetlover",                           # capitalised, still no boundaries: the plain lattice too
    "ThrowbackThursday", "summer2019vibes", "iPhone", "F12013", "love4ever",  # boundaries: the full lattice
    "hullfc", "nhtweetup", "foroveranhour", "nomnomnom", "ChukidarChorHai", "caféolé",
])
def test_search_score_equals_feature_score_for_every_feature(random_weights_seg, tag):
    """The search (both lattice paths, and the unrolled re-ranking sum) scores exactly what training fits."""
    seg = random_weights_seg
    weights = np.array([seg.weights[name] for name in FEATURES])
    candidates = seg._chunk_candidates(tag, 8)
    assert candidates
    for score, spans in candidates:
        assert weights @ seg.features(tag, spans) == pytest.approx(score, abs=1e-6)


def test_letter_model_tells_words_from_junctions(seg):
    """Unknown words that read like English score higher than run-together pieces ('lfc', 'nht')."""
    per_letter = {w: seg._letters_logp(w) / len(w) for w in ("maltego", "hullfc", "retweetist", "nhtweetup")}
    assert per_letter["hullfc"] < per_letter["maltego"]
    assert per_letter["nhtweetup"] < per_letter["retweetist"]
    # other characters (digits, accents) count as a uniform guess: no cheaper than letters
    assert seg._letters_logp("ééé") == pytest.approx(4 * OTHER_LETTER_LOGP)
    assert seg._letters_logp("c3p0") / 4 < seg._letters_logp("maltego") / 7


def test_letter_model_feature_counts_unknown_words_only(seg):
    known = seg.features("hullfcsunset", [(0, 4), (4, 6), (6, 12)])   # hull fc sunset: all lexicon words
    unknown = seg.features("hullfcsunset", [(0, 6), (6, 12)])         # 'hullfc' is not
    index = FEATURES.index("unknown_logp")
    assert known[index] == 0.0
    assert unknown[index] == pytest.approx(seg._letters_logp("hullfc"))
    assert unknown[index] < 0.0

"""Combiners: turn every scorer's candidates into one ranked list with evidence.

Scorers speak on different scales (a probability, a cosine, a log count), so a
combiner first puts each scorer's scores for this post on [0, 1] (divided by
that scorer's best score for the post) and then weighs them. The evidence of a
suggestion is the scorers that carried a real share of its final score.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from taglens.errors import ModelError
from taglens.models.base import Scores


@dataclass
class Ranked:
    key: str
    score: float
    evidence: list[str] = field(default_factory=list)


def candidate_matrix(per_scorer: Mapping[str, Scores], names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Candidates (union of all scorers' keys) and their per-scorer scores, each
    scorer's column divided by its best score for this post (0 where absent)."""
    keys: list[str] = []
    index: dict[str, int] = {}
    for name in names:
        for key in per_scorer.get(name, {}):
            if key not in index:
                index[key] = len(keys)
                keys.append(key)
    matrix = np.zeros((len(keys), len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        scores = per_scorer.get(name, {})
        if not scores:
            continue
        best = max(scores.values())
        scale = best if best > 0 else 1.0
        for key, value in scores.items():
            matrix[index[key], j] = max(value, 0.0) / scale
    return keys, matrix


class Combiner(ABC):
    name: ClassVar[str]

    @abstractmethod
    def combine(self, per_scorer: Mapping[str, Scores], off_topic: float = 0.0) -> list[Ranked]:
        """All candidates, best first. `off_topic`: on a post of pictures only, the image topic
        head's p('none of these'), for combiners that weigh scorers by it (LearnedCombiner's
        `off_topic`); 0 on any other post."""

    @abstractmethod
    def to_config(self) -> dict[str, Any]:
        """JSON-able state, stored in the manifest (and `save` for larger state)."""

    def save(self, folder: Path) -> None:  # noqa: B027 - optional hook
        """Combiners with array state write it here; small ones live in the manifest."""

    @classmethod
    @abstractmethod
    def from_config(cls, config: dict[str, Any], folder: Path | None = None) -> "Combiner":
        ...


_COMBINERS: dict[str, type[Combiner]] = {}


def register_combiner(cls: type[Combiner]) -> type[Combiner]:
    _COMBINERS[cls.name] = cls
    return cls


def combiner_from_config(config: dict[str, Any], folder: Path | None = None) -> Combiner:
    kind = config.get("type", "weighted")
    try:
        return _COMBINERS[kind].from_config(config, folder)
    except KeyError:
        raise ModelError(f"unknown combiner {kind!r}; known: {', '.join(sorted(_COMBINERS))}") from None


def evidence_of(row: np.ndarray, weights: np.ndarray, names: Sequence[str], share: float = 0.2) -> list[str]:
    """Scorers whose weighted contribution is at least `share` of the candidate's total."""
    contrib = np.maximum(row * weights, 0.0)
    total = contrib.sum()
    if total <= 0:  # no positive weight: name the scorers that proposed it, strongest first
        order = np.argsort(-row, kind="stable")
        return [names[j] for j in order if row[j] > 0]
    order = np.argsort(-contrib, kind="stable")
    return [names[j] for j in order if contrib[j] >= share * total]


@register_combiner
class WeightedSumCombiner(Combiner):
    """Fixed weights per scorer over normalised scores (the untrained default)."""

    name = "weighted"

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.weights = dict(weights)

    def combine(self, per_scorer: Mapping[str, Scores], off_topic: float = 0.0) -> list[Ranked]:
        names = [n for n in self.weights if n in per_scorer]  # fixed weights: off_topic changes nothing
        keys, matrix = candidate_matrix(per_scorer, names)
        if not keys:
            return []
        w = np.asarray([self.weights[n] for n in names])
        totals = matrix @ w
        order = np.argsort(-totals, kind="stable")
        return [Ranked(keys[i], float(totals[i]), evidence_of(matrix[i], w, names)) for i in order]

    def to_config(self) -> dict[str, Any]:
        return {"type": self.name, "weights": self.weights}

    @classmethod
    def from_config(cls, config: dict[str, Any], folder: Path | None = None) -> "WeightedSumCombiner":
        return cls(config.get("weights", {}))

"""The top-5 slot rule: the profile's surest tags get a place among the first five.

Why: the personal scorer is fused at `FULL_WEIGHT x lambda` (profile/attach.py), and a
user who rarely reuses tags gets a small lambda, so even a tag the scorer is sure of
(P(#datafeminism | post) = 0.6 on a post like their #datafeminism posts) stays at rank
8. The slot rule reads the scorer's calibrated P times this user's own trust
(`SelfTrust.scale`, fitted on their replayed history, profile/selftrust.py): a tag
whose trusted P clears `threshold` is moved to rank `SLOT_RANK` (the fifth) when it
ranks lower, displacing the model's fifth suggestion down one place (with two moving,
ranks 4 and 5, surest first). `threshold` is the hit rate a model suggestion at rank 5
must beat; at most `slots` tags move.

A wrapper around the view's combiner, so nothing here changes a recommender without
a profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taglens.models.base import Scores
from taglens.models.combiner import Combiner, Ranked

SLOT_RANK = 4        # 0-based: the fifth place
# Chosen on the 'val' posts only (benchmarks/personal.py --tune, 2026-12-02): kanarinka's 8 val posts
# A@5 25.0 without the rule, 37.5 at 0.1, 25.0 at 0.15-0.4; photographer's 72 val posts P@5 79.7 for
# every threshold. Two slots tied with one at 0.1 (37.5 / 79.7; three: 79.4): one, the smaller change.
SLOT_THRESHOLD = 0.1
SLOTS = 1


class SlotCombiner(Combiner):
    """`inner`'s ranking, with the personal scorer's surest tags moved into the top 5."""


    def __init__(self, inner: Combiner, scale: float, threshold: float = SLOT_THRESHOLD, slots: int = SLOTS,
                 scorer: str = "personal") -> None:
        self.inner, self.scale, self.threshold = inner, float(scale), float(threshold)
        self.slots, self.scorer = int(slots), scorer

    def __getattr__(self, attr: str) -> Any:  # unit, absolute, attached ...: the inner combiner's
        if attr == "inner":
            raise AttributeError(attr)
        return getattr(self.inner, attr)

    @property
    def name(self) -> str:  # type: ignore[override]
        """The inner combiner's: a saved view, or scorers attached to it, see that combiner."""
        return self.inner.name

    def save(self, folder: Any) -> None:
        self.inner.save(folder)

    def to_config(self) -> dict[str, Any]:
        """The inner combiner's: a saved personal view is the plain fusion (the slot rule is
        per profile, rebuilt by profile/attach.py at request time)."""
        return self.inner.to_config()

    @classmethod
    def from_config(cls, config: dict[str, Any], folder: Any = None) -> "SlotCombiner":
        raise NotImplementedError("the slot rule is built per profile (profile/attach.py), never loaded")

    def combine(self, per_scorer: Mapping[str, Scores], off_topic: float = 0.0) -> list[Ranked]:
        ranking = self.inner.combine(per_scorer, off_topic)
        mine = per_scorer.get(self.scorer) or {}
        sure = [k for k, p in sorted(mine.items(), key=lambda kv: -kv[1])[: self.slots]
                if self.scale * p >= self.threshold]
        top = {r.key for r in ranking[: SLOT_RANK + 1]}
        moving = [k for k in sure if k not in top]  # surest first, so it takes the higher place
        for j, key in enumerate(moving):
            ranking = promote(ranking, key, SLOT_RANK - len(moving) + 1 + j, self.scorer)
        return ranking


def promote(ranking: list[Ranked], key: str, rank: int, label: str) -> list[Ranked]:
    """`ranking` with `key` at `rank` when it ranked lower (or was absent); it takes the score
    of the item it displaces, so the list's scores stay in order."""
    at = next((i for i, r in enumerate(ranking) if r.key == key), None)
    if at is not None and at <= rank:
        return ranking
    item = ranking.pop(at) if at is not None else Ranked(key, 0.0, [label])
    place = min(rank, len(ranking))
    score = ranking[place].score if place < len(ranking) else item.score
    evidence = item.evidence if label in item.evidence else [*item.evidence, label]
    ranking.insert(place, Ranked(key, score, evidence))
    return ranking

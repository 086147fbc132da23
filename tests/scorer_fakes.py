"""A base for the hand-written scorers the combiner tests feed: nothing to fit or save."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from taglens.models.base import Scorer, Vocab
from taglens.post import Post


class FakeScorer(Scorer):
    """Subclasses set `name` and write `score`; fitting and saving do nothing."""

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None: ...
    def save(self, folder: Path) -> None: ...

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "Scorer":
        return cls()

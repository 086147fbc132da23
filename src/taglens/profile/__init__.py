"""Personal style: a user's own posts and choices, kept on this machine, fused with the model.

    from taglens.profile import ProfileStore, build_profile, read_history, personal_recommender

- sources.py   read a user's posts: an instaloader folder, a taglens JSONL, a corpus SQLite
- build.py     posts -> Profile (tags, times, caption and photo embeddings); feedback
- store.py     one 0600 SQLite file per profile in the user's data folder; strict JSON export/import
- shrinkage.py the empirical-Bayes trust in a profile, by its size and reuse
- selftrust.py the trust fitted by replaying the user's own posts in time order (stored with the profile)
- slots.py     the top-5 slot rule that trust drives (the scorer's surest tag gets the fifth place)
- kinds.py     the user's prior over tag kinds
- attach.py    a recommender view with the personal scorer attached (models/scorers/personal.py)

Imports are lazy here: models/scorers/personal.py reads profile.model while the
model layer loads, so this package must not import the model layer on import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProfileStore", "build_profile", "read_history", "personal_recommender", "Profile", "load_for"]

_WHERE = {"ProfileStore": "store", "build_profile": "build", "read_history": "sources",
          "personal_recommender": "attach", "Profile": "model", "load_for": "session"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"taglens.profile.{_WHERE[name]}"), name)
    raise AttributeError(name)

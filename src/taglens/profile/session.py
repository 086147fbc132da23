"""The one way every front end (CLI, batch, API) gets a profile's view of a recommender.

`--profile NAME` reads a saved profile; `--history PATH` builds the same thing
from PATH in memory, for a one-off, and saves nothing. Both go through
`build_profile` and `personal_recommender`, so the same posts give the same
suggestions either way. With neither, the recommender comes back untouched.
"""

from __future__ import annotations

from pathlib import Path

from taglens.errors import InputError
from taglens.profile.build import build_profile
from taglens.profile.model import Profile
from taglens.profile.sources import read_history
from taglens.profile.store import ProfileStore


def history_profile(path: str | Path) -> Profile:
    """An unsaved profile from an instaloader folder, a taglens JSONL or a corpus SQLite."""
    return build_profile("history", read_history(path), source=str(path))


def resolve_profile(profile: str | None = None, history: str | Path | None = None,
                    store: ProfileStore | None = None) -> Profile | None:
    if profile and history:
        raise InputError("give --profile or --history, not both")
    if profile:
        return (store or ProfileStore()).load(profile)
    if history:
        return history_profile(history)
    return None


def load_for(rec, profile: str | Profile | None = None, history: str | Path | None = None,  # noqa: ANN001
             store: ProfileStore | None = None):  # noqa: ANN201 - Recommender
    """`rec` itself without a profile; else its personal view (profile/attach.py)."""
    from taglens.profile.attach import personal_recommender

    found = profile if isinstance(profile, Profile) else resolve_profile(profile, history, store)
    return rec if found is None else personal_recommender(rec, found)


def profile_digest(profile: str | None = None, history: str | Path | None = None,
                   store: ProfileStore | None = None) -> str:
    """A hash of what the profile holds (a saved one) or of the history's files (a one-off),
    so a resumed batch never mixes two states of a profile."""
    import hashlib

    if profile and history:
        raise InputError("give --profile or --history, not both")
    digest = hashlib.sha256()
    if profile:
        path = (store or ProfileStore()).path(profile)
        if not path.is_file():
            raise InputError(f"no profile named {profile!r} (see `taglens profile list`)")
        digest.update(path.read_bytes())
    else:
        root = Path(history)  # type: ignore[arg-type]
        if not root.exists():
            raise InputError(f"no such file or folder: {root}")
        files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
        for file in files:
            stat = file.stat()
            digest.update(f"{file.relative_to(root) if root.is_dir() else file.name}:{stat.st_size}:"
                          f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()

"""How far to trust one user's profile, measured on their own history (issue 16).

Why not only profile/shrinkage.py's Dirichlet trust: that one asks how often the user
*reuses* tags, so a user who rarely repeats a tag (kanarinka: 87 % of 39 tags used
once) gets a nearly silent profile, even though the few tags they do repeat
(#datafeminism) are right whenever the personal scorer is sure of them. What matters is
whether the scorer's own P(tag | post) can be believed for *this* user. So it is
measured: the user's tagged posts are replayed in time order, each predicted from the
posts before it only (`PersonalScorer.replay`, on the stored embeddings, at most the
last `LAST` posts), and the scorer's most probable tag is compared with the tags the
user really wrote. The calibration ratio hits / expected hits (sum of P) is this
user's `scale`, shrunk toward 1 (the global default: trust P as it is) by the number
of posts replayed:

    scale = w * hits / expected + (1 - w),   w = replayed / (replayed + N0).

It is used by the top-5 slot rule (profile/slots.py): the profile's most probable tags
get a place in the top 5 when scale x P clears `SLOT_THRESHOLD`, the share of hits a
model suggestion at rank 5 must beat. A user whose sure tags were right keeps or
raises their scale; one whose sure tags were wrong loses the slot.

Only the user's own posts are read, never anyone's evaluation posts: in
benchmarks/personal.py the history of each evaluated post is the posts before it.
The fit runs when a profile is created or gets feedback (build.py) and is stored
with it (SQLite meta, JSON export `self_trust`, validated on import).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taglens.errors import InputError
from taglens.profile.model import Profile

LAST = 200        # replay at most this many of the newest posts: the fit's cost is capped
N0 = 10.0         # replayed posts at which the user's own ratio and the default weigh equally
MAX_SCALE = 3.0   # a handful of lucky hits never makes the profile overrule everything
TOP = 1           # the scorer's top tag: the one the slot rule would place


@dataclass(frozen=True)
class SelfTrust:
    """The replay's counts and the fitted scale, as stored with the profile."""

    replayed: int     # posts predicted from the posts before them
    hits: float       # of them, how many times the scorer's top tag was one the user wrote
    expected: float   # the sum of its P over those posts: the hits a calibrated scorer expects
    scale: float      # the fitted trust multiplier of P (1 = the global default)
    posts: int = 0    # tagged posts the fit saw: a profile that has grown since is refitted

    def to_dict(self) -> dict[str, float | int]:
        return {"replayed": self.replayed, "hits": round(self.hits, 4), "expected": round(self.expected, 4),
                "scale": round(self.scale, 4), "posts": self.posts}


DEFAULT = SelfTrust(0, 0.0, 0.0, 1.0, 0)


def scale_of(replayed: int, hits: float, expected: float, n0: float = N0) -> float:
    """The shrunk calibration ratio (module doc); 1 when nothing was replayed."""
    if replayed <= 0 or expected <= 0:
        return 1.0
    w = replayed / (replayed + n0)
    return min(MAX_SCALE, w * hits / expected + (1.0 - w))


def fit_self_trust(profile: Profile, params: Mapping[str, Any] | None = None, last: int = LAST) -> SelfTrust:
    """Replay `profile`'s own posts with the personal scorer (settings `params`) and fit the scale."""
    from taglens.models.scorers.personal import PersonalScorer

    scorer = PersonalScorer(**dict(params or {})).set_profile(profile)
    rounds = scorer.replay(last=last, top=TOP)
    hits = float(sum(hit for top in rounds for _p, hit in top))
    expected = float(sum(p for top in rounds for p, _hit in top))
    return SelfTrust(len(rounds), hits, expected, scale_of(len(rounds), hits, expected), scorer.n_posts)


def tagged_posts(profile: Profile) -> int:
    return sum(1 for p in profile.posts if p.keys)


def current_self_trust(profile: Profile, params: Mapping[str, Any] | None = None) -> SelfTrust:
    """The stored fit when it was made on the profile as it is now, else a fresh one."""
    stored = profile.self_trust
    if stored is not None and stored.posts == tagged_posts(profile) and not params:
        return stored
    return fit_self_trust(profile, params)


def refit(profile: Profile) -> Profile:
    """Store a fresh fit in `profile` (on create, import of an old export, feedback)."""
    profile.self_trust = fit_self_trust(profile)
    return profile


def self_trust_from_json(value: Any, where: str = "self_trust") -> SelfTrust | None:
    """A stored fit, every field checked (a hostile file gets one clear error)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a JSON object")
    fields = {"replayed", "hits", "expected", "scale", "posts"}
    if set(value) != fields:
        raise InputError(f"{where} must have exactly the fields {', '.join(sorted(fields))}")
    for key in ("replayed", "posts"):
        item = value[key]
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 1_000_000:
            raise InputError(f"{where}.{key} must be a whole number from 0 to 1000000")
    numbers = {}
    for key in ("hits", "expected", "scale"):
        item = value[key]
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item) or item < 0:
            raise InputError(f"{where}.{key} must be a finite number >= 0")
        numbers[key] = float(item)
    if numbers["hits"] > value["replayed"] * TOP or numbers["expected"] > value["replayed"] * TOP + 1e-6:
        raise InputError(f"{where}: more hits or expected hits than replayed posts")
    if numbers["scale"] > MAX_SCALE:
        raise InputError(f"{where}.scale must be at most {MAX_SCALE:g}")
    if abs(numbers["scale"] - scale_of(value["replayed"], numbers["hits"], numbers["expected"])) > 1e-3:
        raise InputError(f"{where}.scale does not follow from its replayed, hits and expected")
    if value["replayed"] > value["posts"]:
        raise InputError(f"{where}: more replayed posts than posts")
    return SelfTrust(value["replayed"], numbers["hits"], numbers["expected"], numbers["scale"], value["posts"])

"""A profile as data: the user's past posts (tags, time, embeddings) and their choices.

Why posts and not only counts: counts, recency and co-occurrence are derived
from the posts in milliseconds, but the nearest-post vote needs each post's
caption (and photo) embedding next to its tags. Captions themselves are not
kept: a profile stores what it needs to rank, nothing more (the caption's bag of
content words, for the word -> own-tag association, but not the sentence).

Feedback is a list of events; the latest verdict on a tag wins. An accepted tag
with the caption it was accepted for also becomes a post ("you used this tag on
a post like this"), so it rises for similar posts and not for every post.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from taglens.errors import InputError
from taglens.hashtags import hashtag_key

if TYPE_CHECKING:
    from taglens.profile.selftrust import SelfTrust

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
VERDICTS = ("accepted", "rejected")
TEXT_DIM = 384
IMAGE_DIM = 1280


def check_name(name: str) -> str:
    """A profile name is also a file name: letters, digits, `_ . -`, at most 64."""
    if not isinstance(name, str) or not NAME_RE.match(name) or name.endswith(".sqlite"):
        raise InputError(f"bad profile name {name!r}: use letters, digits, '_', '.' or '-' (at most 64)")
    return name


@dataclass
class ProfilePost:
    """One past post: its tags (display forms, the user's spelling), time and embeddings."""

    id: str
    time: float
    tags: list[str]
    text: np.ndarray | None = None   # unit caption embedding (384), None without prose
    image: np.ndarray | None = None  # unit mean photo feature (1280), None without photos
    origin: str = "post"             # 'post' (their history) or 'accepted' (feedback with a caption)
    words: list[str] = field(default_factory=list)  # the caption's content words (profile/words.py)

    @property
    def keys(self) -> list[str]:
        out: list[str] = []
        for tag in self.tags:
            key = hashtag_key(tag)
            if key and key not in out:
                out.append(key)
        return out


@dataclass
class Feedback:
    """One choice: a suggested tag the user kept (`accepted`) or removed (`rejected`)."""

    tag: str
    verdict: str
    time: float = field(default_factory=time.time)

    @property
    def key(self) -> str:
        return hashtag_key(self.tag)


@dataclass
class Profile:
    """Everything taglens knows about one user's style."""

    name: str
    posts: list[ProfilePost] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    source: str = ""
    self_trust: "SelfTrust | None" = None  # the trust fitted on the user's own history (profile/selftrust.py)

    @property
    def history(self) -> list[ProfilePost]:
        """Posts oldest first (accepted-with-caption posts join at the time they were accepted)."""
        return sorted(self.posts, key=lambda p: p.time)

    def verdicts(self) -> dict[str, str]:
        """Each tag's latest verdict: a tag accepted after a rejection is back."""
        out: dict[str, str] = {}
        for event in sorted(self.feedback, key=lambda f: f.time):
            out[event.key] = event.verdict
        return out

    def rejected(self) -> set[str]:
        return {k for k, v in self.verdicts().items() if v == "rejected"}

    def accepted(self) -> set[str]:
        return {k for k, v in self.verdicts().items() if v == "accepted"}

    def tag_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for post in self.posts:
            for key in post.keys:
                counts[key] = counts.get(key, 0) + 1
        return counts

    def summary(self, top: int = 10) -> dict[str, object]:
        """What `taglens profile show` prints: sizes, favourite tags, choices."""
        counts = self.tag_counts()
        spelled = self.displays()
        ranked = sorted(counts, key=lambda k: (-counts[k], k))[:top]
        return {
            "name": self.name, "posts": sum(p.origin == "post" for p in self.posts),
            "tagged_posts": sum(bool(p.keys) for p in self.posts if p.origin == "post"),
            "with_photos": sum(p.image is not None for p in self.posts),
            "tags": len(counts), "top_tags": [[spelled.get(k, "#" + k), counts[k]] for k in ranked],
            "accepted": sorted(self.accepted()), "rejected": sorted(self.rejected()),
            "created": self.created, "source": self.source,
        }

    def displays(self) -> dict[str, str]:
        """The user's own spelling of each tag (#DataFeminism), the one they wrote most."""
        forms: dict[str, dict[str, int]] = {}
        for post in self.posts:
            for tag in post.tags:
                key = hashtag_key(tag)
                if key:
                    by = forms.setdefault(key, {})
                    by[tag] = by.get(tag, 0) + 1
        return {k: max(v.items(), key=lambda kv: (kv[1], kv[0]))[0] for k, v in forms.items()}


def unit_or_none(vector: np.ndarray | None, dim: int) -> np.ndarray | None:
    """The stored form of an embedding: unit length, rounded to float16 (as on disk), held as
    float32; None for a missing / zero one. Rounding here, not only on disk, is what makes a
    profile built in memory (`--history`) rank exactly like the same profile loaded from disk."""
    if vector is None:
        return None
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim or not np.all(np.isfinite(v)):
        raise InputError(f"an embedding must be {dim} finite numbers")
    norm = float(np.linalg.norm(v))
    return None if norm < 1e-6 else (v / norm).astype("<f2").astype(np.float32)


def stored_vector(values: np.ndarray, dim: int) -> np.ndarray | None:
    """An embedding read back from disk (float16): checked, not re-rounded (see unit_or_none)."""
    v = np.asarray(values, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim or not np.all(np.isfinite(v)):
        raise InputError(f"an embedding must be {dim} finite numbers")
    norm = float(np.linalg.norm(v))
    if norm < 1e-6:
        return None
    if abs(norm - 1.0) > 0.01:
        raise InputError("an embedding must have unit length")
    return v

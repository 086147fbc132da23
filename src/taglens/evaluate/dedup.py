"""Evaluation posts that copy a training post are not unseen: find and drop them.

TweetEval's val file repeats 77 training tweets word for word (115 once the
tags are removed), and the kNN and TF-IDF scorers find the copy and its tags
(P@1 82 on those, 9 on the rest). HARRISON repeats 216 test tag lists of six
or more tags in the same order. Scores on such posts measure memory, not
recommendation, so the protocol removes them and says how many it removed.

A visible post duplicates a training post when
  * exact:   the same caption once the hashtags, URLs and @mentions are removed
             (case, punctuation and spacing ignored);
  * near:    the caption's token sets have Jaccard similarity >= 0.9 (exact
             Jaccard, found with a prefix-filter similarity join: two sets with
             J >= t must share a token among the rarest |A| - ceil(t|A|) + 1
             tokens of each, so only those are indexed);
  * taglist: a post without a caption whose list of `min_tags` (6) or more tags is
             a training post's, in the same order (short lists repeat naturally:
             '#food #foodporn' is not a copy);
  * photo:   one of its photos has a perceptual hash (imagehash's pHash) within
             `photo_distance` bits of a training photo's.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from taglens.errors import InputError
from taglens.hashtags import remove_hashtags
from taglens.post import Post
from taglens.splits import caption_tokens, content_key  # noqa: F401 - re-exported

KINDS = ("exact", "near", "taglist", "photo")
@dataclass
class DedupReport:
    """How many evaluation posts were dropped, by kind (each post counted once, first kind found)."""

    checked: int = 0
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def describe(self) -> str:
        parts = ", ".join(f"{n} {kind}" for kind, n in self.removed.items() if n)
        return (f"removed {self.total} of {self.checked} posts duplicating a training post"
                + (f" ({parts})" if parts else ""))

    def to_dict(self) -> dict[str, object]:
        return {"checked": self.checked, "removed": self.total, "by_kind": dict(self.removed)}


class TrainingIndex:
    """The training side, indexed once, asked about each evaluation post."""

    def __init__(self, train: Iterable[Post], jaccard: float = 0.9, min_tags: int = 6,
                 photos: bool = False, photo_distance: int = 4) -> None:
        self.jaccard, self.min_tags = jaccard, min_tags
        self.photo_distance = photo_distance
        self.exact: set[str] = set()
        self.taglists: set[tuple[str, ...]] = set()
        self.sets: list[frozenset[str]] = []
        hashes: list[int] = []
        if photos:
            try:
                import imagehash  # noqa: F401
            except ImportError:
                raise InputError("photo duplicates need imagehash: pip install 'taglens[train]'") from None
        for post in train:
            tokens = caption_tokens(post.text)
            if tokens:
                self.exact.add(" ".join(tokens))
                self.sets.append(frozenset(tokens))
            keys = tuple(post.all_tag_keys())
            if len(keys) >= min_tags:
                self.taglists.add(keys)
            if photos:
                hashes += [h for h in (photo_hash(p) for p in post.images) if h is not None]
        self.freq = Counter(t for s in self.sets for t in s)
        self.prefix: dict[str, list[int]] = {}
        for i, s in enumerate(self.sets):
            for token in self._prefix(s):
                self.prefix.setdefault(token, []).append(i)
        import numpy as np

        self.hashes = np.asarray(sorted(set(hashes)), dtype=np.uint64)

    def _prefix(self, tokens: frozenset[str]) -> list[str]:
        ordered = sorted(tokens, key=lambda t: (self.freq.get(t, 0), t))  # rarest first
        return ordered[: len(ordered) - math.ceil(self.jaccard * len(ordered)) + 1]

    def duplicate_kind(self, post: Post) -> str | None:
        """'exact', 'near', 'taglist', 'photo', or None when the post is new."""
        tokens = caption_tokens(post.text)
        if tokens:
            if " ".join(tokens) in self.exact:
                return "exact"
            if self._near(frozenset(tokens)):
                return "near"
        else:
            keys = tuple(post.all_tag_keys())
            if len(keys) >= self.min_tags and keys in self.taglists:
                return "taglist"
        if len(self.hashes) and any(self._photo_near(photo_hash(p)) for p in post.images):
            return "photo"
        return None

    def _near(self, tokens: frozenset[str]) -> bool:
        size = len(tokens)
        seen: set[int] = set()
        for token in self._prefix(tokens):
            for i in self.prefix.get(token, ()):
                if i in seen:
                    continue
                seen.add(i)
                other = self.sets[i]
                if not (self.jaccard * size <= len(other) <= size / self.jaccard):
                    continue
                inter = len(tokens & other)
                if inter / (size + len(other) - inter) >= self.jaccard:
                    return True
        return False

    def _photo_near(self, value: int | None) -> bool:
        import numpy as np

        if value is None:
            return False
        x = np.bitwise_xor(self.hashes, np.uint64(value))
        bits = np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
        return bool((bits <= self.photo_distance).any())


def photo_hash(path: str | Path) -> int | None:
    """A 64-bit perceptual hash of a photo (imagehash pHash), or None when it cannot be read."""
    try:
        import imagehash

        from taglens.vision.io import load_image

        return int(str(imagehash.phash(load_image(path))), 16)
    except Exception:  # noqa: BLE001 - an unreadable photo is simply not a duplicate
        return None


def drop_duplicates(posts: Sequence[Post], train: Iterable[Post] | TrainingIndex, **options: object
                    ) -> tuple[list[Post], DedupReport]:
    """`posts` without those duplicating a training post, and what was removed."""
    index = train if isinstance(train, TrainingIndex) else TrainingIndex(train, **options)  # type: ignore[arg-type]
    report = DedupReport(checked=len(posts))
    kept = []
    for post in posts:
        kind = index.duplicate_kind(post)
        if kind is None:
            kept.append(post)
        else:
            report.removed[kind] += 1
    return kept, report

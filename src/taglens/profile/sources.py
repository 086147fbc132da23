"""Where a profile's posts come from: an instaloader download, a taglens JSONL, a corpus SQLite.

`read_history(path)` takes any of the three and returns the user's posts oldest
first, each with `meta["time"]` (seconds since the epoch, or its position when a
source has no dates), so recency means the same thing for every source.

An instaloader download is searched recursively: instaloader writes one folder
per target (`<profile>/`, `#<hashtag>/`), and a user hands us the folder above.
Each folder holding `*_UTC.*` files is read with the corpus importer's reader
(corpus/importers.py), which already knows carousels, captions and metadata.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from taglens.errors import InputError
from taglens.post import Post, read_jsonl

_STEM = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})_UTC")
SQLITE_MAGIC = b"SQLite format 3\x00"


def read_history(path: str | Path, *, strict: bool = False) -> list[Post]:
    """The user's posts from PATH, oldest first; raise InputError when there are none.

    Bad rows are skipped (a download often holds a broken file or two) unless
    `strict`; a path that is none of the three forms is an error.
    """
    source = Path(path)
    if not source.exists():
        raise InputError(f"no such file or folder: {source}")
    if source.is_dir():
        posts = _read_instaloader_tree(source, strict)
    elif _is_sqlite(source):
        posts = _read_corpus(source)
    else:
        posts = _read_jsonl(source, strict)
    if not posts:
        raise InputError(f"{source}: no posts found (want an instaloader folder, a taglens JSONL or a corpus SQLite)")
    return _time_ordered(posts)


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(16) == SQLITE_MAGIC


def _read_jsonl(path: Path, strict: bool) -> list[Post]:
    posts = []
    for line_no, item in read_jsonl(path):
        if isinstance(item, InputError):
            if strict:
                raise item
            continue
        if not item.id:
            item.id = f"{path.stem}:{line_no}"
        posts.append(item)
    return posts


def _read_corpus(path: Path) -> list[Post]:
    from taglens.corpus.store import Corpus

    try:
        with Corpus(path, create=False) as corpus:
            return list(corpus.iter_posts())
    except (sqlite3.DatabaseError, KeyError) as exc:
        raise InputError(f"{path}: not a taglens corpus ({exc})") from None


def _read_instaloader_tree(root: Path, strict: bool) -> list[Post]:
    from taglens.corpus.importers import read_instaloader

    folders = sorted({f.parent for f in root.rglob("*") if f.is_file() and _STEM.match(f.name)})
    posts: list[Post] = []
    for folder in folders:
        for _number, item in read_instaloader(folder):
            if isinstance(item, InputError):
                if strict:
                    raise item
                continue
            posts.append(item)
    seen: set[str] = set()
    unique = []
    for post in posts:  # the same post downloaded under two targets counts once
        if post.id not in seen:
            seen.add(post.id)
            unique.append(post)
    return unique


def post_time(post: Post) -> float | None:
    """Seconds since the epoch from the post's meta (`time`, instaloader's `taken_at_utc`), else None."""
    meta = post.meta or {}
    value = meta.get("time")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    stamp = meta.get("taken_at_utc") or meta.get("date")
    if isinstance(stamp, str):
        match = _STEM.match(stamp + "_UTC" if "_UTC" not in stamp else stamp)
        text = match.group(1) if match else stamp
        for fmt in ("%Y-%m-%d_%H-%M-%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            return parsed.timestamp()
    return None


def _time_ordered(posts: list[Post]) -> list[Post]:
    """Oldest first; undated posts keep their file order after the dated ones' span."""
    stamped = [(post_time(p), i, p) for i, p in enumerate(posts)]
    if all(t is None for t, _, _ in stamped):
        for i, post in enumerate(posts):
            post.meta = {**(post.meta or {}), "time": float(i)}
        return posts
    ordered = sorted(stamped, key=lambda x: (x[0] is None, x[0] or 0.0, x[1]))
    last = max(t for t, _, _ in stamped if t is not None)
    out = []
    for t, i, post in ordered:
        post.meta = {**(post.meta or {}), "time": t if t is not None else last + i}
        out.append(post)
    return out

"""Hygiene filters applied after ranking: spam and banned-style tags.

The list is a data file (`taglens/data/banned_hashtags.txt`, one tag a line, `#`
comments allowed) that a user extends with their own file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from taglens.errors import InputError
from taglens.hashtags import hashtag_key


def read_tag_list(path: str | Path) -> set[str]:
    """Keys of the tags listed in a text file: one a line, blank lines and `#` comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such tag list: {path}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    keys = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("# ") or line == "#":
            continue
        keys.add(hashtag_key(line.split()[0]))
    return keys


def default_banned() -> set[str]:
    """The spam / banned-style tags taglens filters unless told otherwise."""
    return read_tag_list(Path(str(resources.files("taglens") / "data" / "banned_hashtags.txt")))

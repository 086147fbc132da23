"""Sensitive concepts: names a photo must never put on a post.

Some ImageNet classes (brassiere, bikini, diaper, miniskirt, swimming trunks ...) are
what an encoder sees on photos of babies and people. Suggesting them from a picture is
never wanted, so their names and the tags built on them (`#bikinibody`) are dropped from
photo posts unless the user wrote the word. Its second section holds claims about a person
that no photo shows, their sexuality or body (#gayboy on a baby among rocks, #bbw on a
beagle: benchmarks/photo_claims.py); genre tags (#foodporn) are none. The list is a data file
(data/sensitive_concepts.txt); `TAGLENS_SENSITIVE` names an extra file to extend it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

ENV = "TAGLENS_SENSITIVE"


def _keys_of(text: str) -> set[str]:
    keys = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key = re.sub(r"[^0-9a-z]", "", line.lower())
        if key:
            keys.add(key)
    return keys


@functools.lru_cache(maxsize=4)
def _load(extra: str | None) -> frozenset[str]:
    shipped = Path(str(resources.files("taglens") / "data" / "sensitive_concepts.txt"))
    keys = _keys_of(shipped.read_text(encoding="utf-8"))
    if extra:
        try:
            keys |= _keys_of(Path(extra).read_text(encoding="utf-8"))
        except OSError:
            pass  # a missing extra file must not break serving; the shipped list still applies
    return frozenset(keys)


def sensitive_keys() -> frozenset[str]:
    """Keys of the sensitive names: the shipped list plus the file named by $TAGLENS_SENSITIVE."""
    return _load(os.environ.get(ENV))


def is_sensitive(key: str, keys: Iterable[str] | None = None) -> bool:
    """True when a tag key is, or starts or ends with, a sensitive name (#bikini, #bikinis, #redbikini).

    Names of four letters or fewer ('bra', 'thong') match only whole keys and plurals, so
    #brandnew or #library are not caught."""
    return _matches(key, sensitive_keys() if keys is None else frozenset(keys))


@functools.lru_cache(maxsize=100_000)
def _matches(key: str, names: frozenset[str]) -> bool:
    """Remembered: a photo post asks about ~150 candidate tags, mostly the same vocabulary."""
    return bool(_pattern(names).search(key))


@functools.lru_cache(maxsize=8)
def _pattern(names: frozenset[str]) -> re.Pattern[str]:
    """One regex for all names (a candidate list is checked on every photo post)."""
    short = "|".join(sorted(re.escape(n) for n in names if len(n) <= 4)) or "(?!)"
    long = "|".join(sorted(re.escape(n) for n in names if len(n) > 4)) or "(?!)"
    return re.compile(rf"^(?:{short})(?:e?s)?$|^(?:{long})|(?:{long})s?$")

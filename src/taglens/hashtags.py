"""The one hashtag normaliser.

Every part of taglens that reads, compares or prints a hashtag goes through this
module, so that `#Café`, `#café` and `#CAFÉ` are the same tag everywhere: in the
corpus, in a model's vocabulary, in the evaluation and in the API.

Rules follow what Instagram and Twitter link as a hashtag:

* a tag starts with `#` (or the full-width `＃`) that is not glued to a preceding
  letter, digit, underscore or `&` (so `abc#def` and HTML entities like `&#39;`
  are not tags);
* its body is Unicode letters, combining marks, digits and underscores; it stops
  at the first other character (punctuation, emoji, space, another `#`);
* the body holds at least one letter: `#123` and `#2019` are not tags, `#b2b` is.

A tag has two forms: its *key* (NFKC, casefolded, no `#`), used for every
comparison and storage, and its *display* form, `#` plus the body as written.
Casefolding turns the Turkish capital `İ` into `i` plus a combining dot (U+0307);
the key drops that dot, so `#İstanbul` and `#istanbul` are one tag (the dotless
`ı` stays its own letter, as Turkish writes it).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import regex

_BODY = r"[\p{L}\p{M}\p{N}_\u200d]+"
_TAG_RE = regex.compile(r"(?<![\p{L}\p{M}\p{N}_&#＃])[#＃](" + _BODY + r")")
_LETTER_RE = regex.compile(r"\p{L}")
_BODY_RE = regex.compile(r"^" + _BODY + r"$")

MAX_TAG_LENGTH = 100
_DOTTED_I = "i\u0307"  # what casefold() makes of 'İ'


@dataclass(frozen=True, slots=True)
class Hashtag:
    """A hashtag found in text: its canonical key, its display form and its span."""

    key: str
    display: str
    start: int = -1
    end: int = -1


def hashtag_key(tag: str) -> str:
    """Canonical key of a tag: no leading '#', NFKC-normalised and casefolded.

    >>> hashtag_key("#CaféLife")
    'cafélife'

    A ranking asks for the keys of the same few thousand vocabulary tags on every
    post (~250 calls a caption), so tag-sized strings are remembered; a longer text
    is computed each time and never held.
    """
    return _cached_key(tag) if len(tag) <= _CACHED_KEY_LENGTH else _key(tag)


_CACHED_KEY_LENGTH = 2 * MAX_TAG_LENGTH


def _key(tag: str) -> str:
    body = unicodedata.normalize("NFKC", tag.strip()).lstrip("#").strip()
    return body.replace("\u200d", "").casefold().replace(_DOTTED_I, "i")


_cached_key = functools.lru_cache(maxsize=200_000)(_key)


def is_hashtag_body(body: str) -> bool:
    """True when `body` (without '#') is a well-formed tag: the extraction rules, whole."""
    body = unicodedata.normalize("NFKC", body)
    return (
        0 < len(body) <= MAX_TAG_LENGTH
        and bool(_BODY_RE.match(body))
        and bool(_LETTER_RE.search(body))
    )


def display_form(tag: str) -> str:
    """Display form: '#' plus the tag as written (NFKC only, case kept)."""
    body = unicodedata.normalize("NFKC", tag.strip()).lstrip("#").strip()
    return "#" + body


def parse_hashtag(tag: str) -> Hashtag:
    """Validate one user-supplied tag ('#sunset' or 'sunset') and return it.

    Raises ValueError with a readable message when it is not a hashtag.
    """
    body = unicodedata.normalize("NFKC", tag.strip()).lstrip("#＃").strip()
    if not is_hashtag_body(body):
        raise ValueError(
            f"not a hashtag: {tag!r} (letters, digits and '_' only, at least one letter)"
        )
    return Hashtag(key=hashtag_key(body), display="#" + body)


def extract_hashtags(text: str) -> list[Hashtag]:
    """All hashtags in `text`, in order of appearance, duplicates (by key) dropped."""
    found: list[Hashtag] = []
    seen: set[str] = set()
    for match in _TAG_RE.finditer(text or ""):
        body = match.group(1).rstrip("\u200d")
        if len(body) > MAX_TAG_LENGTH or not _LETTER_RE.search(body):
            continue
        if not is_hashtag_body(unicodedata.normalize("NFKC", body)):
            continue  # NFKC can unfold a ligature into words ('#ﷺ' -> four words with spaces): no tag
        key = hashtag_key(body)
        if key in seen:
            continue
        seen.add(key)
        found.append(Hashtag(key=key, display="#" + unicodedata.normalize("NFKC", body),
                             start=match.start(), end=match.end()))
    return found


def remove_hashtags(text: str, keys: set[str] | None = None) -> str:
    """Text with hashtags removed: all of them, or only those whose key is in `keys`.

    Used by the evaluation protocol to hide gold tags from a caption, so that the
    tag being predicted never leaks into the input.
    """

    def _drop(match: regex.Match[str]) -> str:
        body = match.group(1)
        if not _LETTER_RE.search(body):
            return match.group(0)
        if keys is None or hashtag_key(body) in keys:
            return ""
        return match.group(0)

    out = _TAG_RE.sub(_drop, text or "")
    return regex.sub(r"[ \t]{2,}", " ", out).strip()


def unique_keys(tags: list[str]) -> list[str]:
    """Keys of `tags` in order, duplicates and empty tags dropped."""
    keys: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        key = hashtag_key(tag)
        if key and key not in seen:
            seen.add(key)
            keys.append(key)
    return keys

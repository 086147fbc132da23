"""Is there anything to go on? The check behind "nothing to go on" and `--fallback popular`.

Why: when a post's photo is unreadable and its caption is only emoji, every
scorer but popularity is silent, and the list that comes back is the model's
most frequent tags (`#love #friend #family`). A user reads that list as
taglens's judgement of their post. So when nothing usable is left, the
recommender returns no suggestions and says why; popular tags fill in only
when the caller asks for them (`fallback="popular"`).

Usable means: a caption with at least one word (a letter or a digit once URLs,
mentions and emoji are gone, or an `@ Place` check-in), a tag given, or at least
one picture the model's image scorers could read.
"""

from __future__ import annotations

from typing import Any

import regex

from taglens.query import Query

FALLBACKS = ("none", "popular")
NOTHING = "nothing to go on"
_WORD_RE = regex.compile(r"[\p{L}\p{N}]")


def check_fallback(fallback: str | None) -> str:
    """'none' or 'popular'; anything else is the caller's mistake."""
    from taglens.errors import InputError

    value = (fallback or "none").strip().lower()
    if value not in FALLBACKS:
        raise InputError(f"unknown fallback {fallback!r}: one of {', '.join(FALLBACKS)}")
    return value


def caption_has_words(text: str) -> bool:
    """True when the caption says something: a word or number, or a check-in place."""
    from taglens.text.clean import clean

    cleaned = clean(text or "")
    return bool(cleaned.location) or bool(_WORD_RE.search(cleaned.text))


def pictures_used(query: Query) -> bool:
    """True when an image scorer got at least one decoded picture of this post."""
    return any(key.startswith("image:") and _has_rows(value) for key, value in query.cache.items())


def _has_rows(value: Any) -> bool:
    return value is not None and not getattr(value, "empty", True)


def nothing_to_go_on(query: Query, has_image_scorers: bool) -> str | None:
    """The warning for a post with nothing usable ('nothing to go on: ...'), or None."""
    post = query.post
    if query.given or caption_has_words(post.text):
        return None
    if has_image_scorers and pictures_used(query):
        return None
    reasons = ["no caption" if not (post.text or "").strip() else "the caption has no words"]
    reasons.append("no tags")
    if post.images or post.video or query.cache.get("image_sources"):
        reasons.append("no picture could be read" if has_image_scorers else "this model cannot read pictures")
    else:
        reasons.append("no pictures")
    return f"{NOTHING}: {', '.join(reasons)}"

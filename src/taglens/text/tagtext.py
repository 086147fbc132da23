"""Hashtags as words: the text the sentence encoder sees for a tag or a post.

A hashtag is one glued token ('#goldengatebridge'); a sentence encoder reads it
as sub-word noise. Replacing each tag by its segmentation ('goldengate bridge')
puts tags and captions in the same space, so a caption can match a tag it never
co-occurred with. Cleaning and segmentation are `taglens.text.clean`'s; this
module adds the on/off switch the evaluation's segmentation ablation needs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from taglens.hashtags import hashtag_key
from taglens.post import Post
from taglens.text.clean import clean, segment_tag

_state = {"segment": True}


@contextlib.contextmanager
def segmentation(enabled: bool) -> Iterator[None]:
    """Turn hashtag segmentation on or off inside a block (the evaluation's ablation)."""
    before = _state["segment"]
    _state["segment"] = enabled
    try:
        yield
    finally:
        _state["segment"] = before


def segmentation_enabled() -> bool:
    return _state["segment"]


def tag_words(tag: str) -> list[str]:
    """The words of a hashtag ('#DrPepper' -> ['dr', 'pepper']); with segmentation
    off, the tag is one word (its key)."""
    key = hashtag_key(tag)
    if not key:
        return []
    return list(segment_tag(key)) if segmentation_enabled() else [key]


def post_text(post: Post) -> str:
    """The text embedded for a post: the cleaned caption prose, the words of the
    tags written in it and listed on it, then the check-in place."""
    cleaned = clean(post.text, drop_stopwords=False)
    words = list(cleaned.tokens)
    seen: set[str] = set()
    for key in [*cleaned.hashtags, *(hashtag_key(t) for t in post.hashtags)]:
        if key and key not in seen:
            seen.add(key)
            words.extend(tag_words(key))
    if cleaned.location:
        words.extend(["at", *cleaned.location.split()])
    return " ".join(words)


def has_prose(post: Post) -> bool:
    """Whether a post says anything beyond its tags (caption words or a place)."""
    cleaned = clean(post.text)
    return bool(cleaned.tokens or cleaned.location)


def tag_texts(displays: Sequence[str]) -> list[str]:
    """Text for each tag, for embedding a tag vocabulary."""
    return [" ".join(tag_words(d)) or d.lstrip("#") for d in displays]

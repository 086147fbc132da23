"""Hash splits of posts, and what makes two posts the same content (the ground floor).

Training (the combiner's held-out posts, the cross-fitting folds) and evaluation
(train / val / test, copies of training posts) both need to know when two posts
are one: they live here, below both, so the model layer does not import the
evaluation layer for them.
"""

from __future__ import annotations

import hashlib

import regex

from taglens.hashtags import remove_hashtags
from taglens.post import Post

_NOISE = regex.compile(r"https?://\S+|www\.\S+|@\w+")
_TOKEN = regex.compile(r"[\p{L}\p{N}]+")


def caption_tokens(text: str) -> list[str]:
    """The caption's words, tags and links removed, casefolded: what a copy keeps."""
    return [t.casefold() for t in _TOKEN.findall(_NOISE.sub(" ", remove_hashtags(text or "")))]


def content_key(post: Post, min_tags: int = 6) -> str | None:
    """What makes two posts the same content: the caption's words, else a long ordered tag list."""
    tokens = caption_tokens(post.text)
    if tokens:
        return " ".join(tokens)
    keys = post.all_tag_keys()
    return "#" + " #".join(keys) if len(keys) >= min_tags else None


def split_of(post_id: str, val: float = 0.1, test: float = 0.1) -> str:
    """'train', 'val' or 'test' from a hash of the id: stable across runs and machines."""
    h = int.from_bytes(hashlib.sha1(post_id.encode("utf-8")).digest()[:8], "big") / 2**64
    if h < test:
        return "test"
    if h < test + val:
        return "val"
    return "train"


def split_key(post: Post) -> str:
    """What a split hashes: the post's content where it has one to copy (its caption without
    tags, or a list of six or more tags), else its id. Copies then fall in the same split
    as their original: TweetEval repeats tweets under new ids, HARRISON repeats tag lists."""
    return content_key(post) or post.id


def split_of_post(post: Post, val: float = 0.1, test: float = 0.1) -> str:
    """`split_of` by content (split_key): for new splits of a corpus whose ids repeat content."""
    return split_of("content:" + split_key(post), val, test)

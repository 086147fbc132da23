"""Reach tiers: is a tag broad, medium or niche?

A user mixes a few broad tags (many readers, much competition) with niche ones
(fewer readers, who care). The tier comes from the share of the model's training
posts that carry the tag, so it means the same for any corpus size.

A tier belongs to the *form*, not to the concept: `#cat` (385 of the shipped
model's 67,708 training posts, medium) and `#cats` (8, niche) get different
tiers on purpose. On Instagram, TikTok, X and Mastodon each form is its own
hashtag feed with its own readers and its own competition, so pooling `#cats`
with `#cat` would promise the plural an audience it does not have. Forms that
differ only in case or Unicode form share one key and so one tier.
"""

from __future__ import annotations

from taglens.models.base import Vocab

BROAD_SHARE = 0.01    # on at least 1% of posts
MEDIUM_SHARE = 0.001  # on at least 0.1% of posts
TIERS = ("broad", "medium", "niche")


def reach_tier(count: int, total_posts: int) -> str:
    """'broad', 'medium' or 'niche' for a tag seen on `count` of `total_posts` posts."""
    if total_posts <= 0 or count <= 0:
        return "niche"
    share = count / total_posts
    if share >= BROAD_SHARE:
        return "broad"
    if share >= MEDIUM_SHARE:
        return "medium"
    return "niche"


def vocab_reach(vocab: Vocab, key: str) -> str:
    """The tier of `key` in a model's vocabulary (unseen tags are niche).

    Old vocabularies without `total_posts` fall back to the most frequent tag's
    count, which keeps the ordering though the shares are then relative.
    """
    total = vocab.total_posts or (int(vocab.counts.max()) if len(vocab) else 0)
    return reach_tier(vocab.count(key), total)

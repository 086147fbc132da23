"""The one interface every crawl source implements.

A source answers two questions: "give me the page of posts for this hashtag that
follows this cursor" and "give me the bytes of this image". Cursors are opaque
strings the crawler stores in the corpus after each page, which is what makes a
killed crawl resumable: the next run asks for the page after the last committed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from taglens.post import Post


@dataclass(slots=True)
class Item:
    """A post found by a source, with the images still to fetch (URLs or local paths)."""

    post: Post
    media: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Page:
    """One page of a hashtag's posts and the cursor of the next page (None at the end)."""

    items: list[Item]
    next_cursor: str | None


class Source(Protocol):
    """A place posts come from: a Mastodon-compatible server, Instagram, a local file."""

    #: identifies the source in the crawl state, e.g. "mastodon:https://mastodon.social";
    #: two crawls of different servers into one corpus keep separate cursors.
    key: str
    #: the `source` field of the posts it yields.
    name: str

    def fetch_page(self, hashtag: str, cursor: str | None) -> Page:
        """The page of posts tagged `hashtag` (a key, no '#') after `cursor` (None: the first)."""
        ...

    def fetch_media(self, ref: str) -> bytes:
        """Image bytes for one of an item's media refs; raise MediaError to skip it."""
        ...

    def close(self) -> None:
        ...

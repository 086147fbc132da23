"""Instagram hashtag feeds through instaloader (optional: `pip install 'taglens[instagram]'`).

Why instaloader: it keeps the user's own logged-in session (`instaloader --login
USER` once, then `--ig-user USER` here), it paces its GraphQL queries with its own
rate controller and waits out Instagram's 429s, and its hashtag iterator can be
frozen and thawed, which is exactly the resumable cursor the crawler stores.

The cursor is instaloader's `FrozenNodeIterator` as JSON. Images are fetched
from the CDN URL instaloader reports, through the same polite client as every
other source (rate-limited, size-capped, checked to be images).
"""

from __future__ import annotations

import itertools
import json
from types import ModuleType
from typing import Any

from taglens.collect.http import FetchError, HttpConfig, PoliteClient
from taglens.collect.sources.base import Item, Page
from taglens.errors import InputError
from taglens.hashtags import extract_hashtags, is_hashtag_body
from taglens.post import Post


def import_instaloader() -> ModuleType:
    try:
        import instaloader
    except ImportError:
        raise InputError("the instagram source needs instaloader: pip install 'taglens[instagram]'") from None
    return instaloader


class InstagramSource:
    """Posts of Instagram hashtag feeds, read with the user's own instaloader session."""

    name = "instagram"

    def __init__(
        self,
        username: str | None,
        session_file: str | None = None,
        *,
        page_size: int = 12,
        client: PoliteClient | None = None,
        module: ModuleType | None = None,
    ) -> None:
        self.module = module or import_instaloader()
        self.loader = self.module.Instaloader(
            download_pictures=False, download_videos=False, download_video_thumbnails=False,
            download_geotags=False, download_comments=False, save_metadata=False,
            compress_json=False, quiet=True, max_connection_attempts=3,
        )
        if username:
            self._load_session(username, session_file)
        self.key = f"instagram:{username or 'anonymous'}"
        self.page_size = max(1, page_size)
        self.client = client or PoliteClient(HttpConfig(min_interval=2.0))
        self.warnings: list[str] = []

    def _load_session(self, username: str, session_file: str | None) -> None:
        try:
            self.loader.load_session_from_file(username, session_file)
        except FileNotFoundError:
            raise InputError(
                f"no instaloader session for {username!r}; create it once with `instaloader --login {username}`"
            ) from None

    def fetch_page(self, hashtag: str, cursor: str | None) -> Page:
        errors = self.module.exceptions
        try:
            iterator = self.module.Hashtag.from_name(self.loader.context, hashtag).get_posts_resumable()
            self._thaw(iterator, hashtag, cursor)
            posts = list(itertools.islice(iterator, self.page_size))
            frozen = iterator.freeze() if len(posts) == self.page_size else None
        except errors.QueryReturnedNotFoundException:
            return Page(items=[], next_cursor=None)
        except errors.InstaloaderException as exc:
            raise FetchError(f"instagram #{hashtag}: {exc}") from None
        next_cursor = json.dumps(frozen._asdict(), default=str) if frozen is not None else None
        return Page(items=[post_to_item(p) for p in posts], next_cursor=next_cursor)

    def _thaw(self, iterator: Any, hashtag: str, cursor: str | None) -> None:
        """Resume a stored iterator; if Instagram no longer accepts it, start over (dedup
        by shortcode makes the repeat harmless)."""
        if not cursor:
            return
        try:
            iterator.thaw(self.module.FrozenNodeIterator(**json.loads(cursor)))
        except (self.module.exceptions.InvalidArgumentException, TypeError, ValueError) as exc:
            self.warnings.append(f"#{hashtag}: stored position not accepted ({exc}); restarting the feed")

    def fetch_media(self, ref: str) -> bytes:
        return self.client.get_image(ref)

    def close(self) -> None:
        self.client.close()
        self.loader.close()


def post_to_item(post: Any) -> Item:
    """An instaloader Post as a taglens Post (id `instagram:<shortcode>`) and its image URLs."""
    caption = post.caption or ""
    tags = [t.display for t in extract_hashtags(caption)]
    keys = {t.casefold().lstrip("#") for t in tags}
    tags += ["#" + t for t in post.caption_hashtags if is_hashtag_body(t) and t.casefold() not in keys]
    if post.typename == "GraphSidecar":
        media = [node.display_url for node in post.get_sidecar_nodes() if not node.is_video]
    else:
        media = [post.url]  # for a video, its thumbnail
    meta = {"url": f"https://www.instagram.com/p/{post.shortcode}/", "created_at": post.date_utc.isoformat()}
    return Item(
        post=Post(id=f"instagram:{post.shortcode}", text=caption.strip(), hashtags=tags,
                  source="instagram", meta=meta),
        media=[m for m in media if m],
    )

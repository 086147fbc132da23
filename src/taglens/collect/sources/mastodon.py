"""Mastodon-compatible hashtag timelines (Mastodon, Pixelfed, and other servers of that API).

    GET /api/v1/timelines/tag/:hashtag?limit=40&only_media=true[&max_id=...]

returns an array of Status entities, newest first; the next (older) page is named
in the `Link` header (`<...?max_id=N>; rel="next"`). The cursor stored is that
`max_id` only, never the URL, so a crawl never follows a link to another host.
A server that sends no `Link` header is paged with the oldest id of the page.
The server's robots.txt is read once and obeyed for the timeline API.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from urllib.robotparser import RobotFileParser

from taglens.collect.http import FetchError, HttpConfig, PoliteClient
from taglens.collect.sources.base import Item, Page
from taglens.errors import InputError
from taglens.hashtags import extract_hashtags, is_hashtag_body
from taglens.post import Post

MAX_PAGE_SIZE = 40  # the API's maximum `limit`


class MastodonSource:
    """Public hashtag timelines of one Mastodon-compatible server."""

    name = "mastodon"

    def __init__(
        self,
        instance: str,
        client: PoliteClient | None = None,
        *,
        page_size: int = MAX_PAGE_SIZE,
        only_media: bool = True,
        media_size: str = "small",
        token: str | None = None,
    ) -> None:
        self.instance = normalise_instance(instance)
        self.key = f"mastodon:{self.instance}"
        headers = {"Authorization": f"Bearer {token}"} if token else None
        self.client = client or PoliteClient(HttpConfig(), headers=headers)
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self.only_media = only_media
        self.media_size = media_size
        self._robots: RobotFileParser | None = None

    def fetch_page(self, hashtag: str, cursor: str | None) -> Page:
        url = f"{self.instance}/api/v1/timelines/tag/{quote(hashtag, safe='')}"
        self._check_robots(url)
        params: dict[str, Any] = {"limit": self.page_size}
        if self.only_media:
            params["only_media"] = "true"
        if cursor:
            params["max_id"] = cursor
        try:
            body, headers = self.client.get_json(url, params)
        except FetchError as exc:
            if exc.status == 404:  # the server has never seen this hashtag
                return Page(items=[], next_cursor=None)
            raise
        if not isinstance(body, list):
            raise FetchError(f"{url}: expected an array of statuses")
        statuses = [s for s in body if isinstance(s, dict) and s.get("id")]
        items = [item for s in statuses if (item := status_to_item(s, self.instance, self.media_size))]
        return Page(items=items, next_cursor=next_max_id(headers.get("Link"), statuses))

    def _check_robots(self, url: str) -> None:
        """Refuse to crawl what the server's robots.txt disallows for our user agent.

        Read once per run; a missing robots.txt (4xx) allows everything, as RFC 9309 says.
        """
        if self._robots is None:
            try:
                text = self.client.get_text(f"{self.instance}/robots.txt")
            except FetchError as exc:
                if exc.status is None or exc.status >= 500:
                    raise
                text = ""
            self._robots = RobotFileParser()
            self._robots.parse(text.splitlines())
        if not self._robots.can_fetch(self.client.config.user_agent, url):
            raise InputError(f"{self.instance}/robots.txt does not allow crawling {urlsplit(url).path}")

    def fetch_media(self, ref: str) -> bytes:
        return self.client.get_image(ref)

    def close(self) -> None:
        self.client.close()


def normalise_instance(instance: str) -> str:
    """'mastodon.social' or 'https://mastodon.social/' -> 'https://mastodon.social'."""
    instance = instance.strip().rstrip("/")
    if not instance:
        raise InputError("--instance is required for the mastodon source (e.g. https://mastodon.social)")
    if "://" not in instance:
        instance = "https://" + instance
    parts = urlsplit(instance)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InputError(f"not a server URL: {instance}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


_LINK_RE = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')


def next_max_id(link_header: str | None, statuses: list[dict[str, Any]]) -> str | None:
    """The `max_id` of the next page: from the Link header, else the page's oldest id."""
    if not statuses:
        return None
    if link_header is not None:
        for url, rel in _LINK_RE.findall(link_header):
            if "next" in rel.split():
                values = parse_qs(urlsplit(url).query).get("max_id")
                return values[0] if values else None
        return None  # a Link header without rel="next": this was the last page
    return str(statuses[-1]["id"])


def status_to_item(status: dict[str, Any], instance: str, media_size: str = "small") -> Item | None:
    """A Status entity as a Post plus the image URLs to fetch; None for what we don't keep."""
    if isinstance(status.get("reblog"), dict):
        status = status["reblog"]
    if status.get("visibility", "public") not in {"public", "unlisted"}:
        return None
    text = html_to_text(status.get("content") or "")
    uri = status.get("uri") or status.get("url") or f"{instance}/statuses/{status['id']}"
    meta: dict[str, Any] = {
        "url": status.get("url") or uri,
        "created_at": status.get("created_at"),
        "language": status.get("language"),
        "instance": instance,
    }
    if status.get("sensitive"):
        meta["sensitive"] = True
    if status.get("spoiler_text"):
        meta["content_warning"] = status["spoiler_text"]
    post = Post(id=f"mastodon:{uri}", text=text, hashtags=_hashtags(text, status.get("tags")),
                source="mastodon", meta={k: v for k, v in meta.items() if v is not None})
    return Item(post=post, media=_image_urls(status.get("media_attachments"), media_size))


def _hashtags(text: str, tags: Any) -> list[str]:
    """Tags as written in the text, then any the server lists that the text lacks."""
    found = [t.display for t in extract_hashtags(text)]
    keys = {t.casefold().lstrip("#") for t in found}
    for tag in tags if isinstance(tags, list) else []:
        name = tag.get("name") if isinstance(tag, dict) else None
        if isinstance(name, str) and is_hashtag_body(name) and name.casefold() not in keys:
            found.append("#" + name)
            keys.add(name.casefold())
    return found


def _image_urls(attachments: Any, media_size: str) -> list[str]:
    """URLs of the image attachments: the server's preview ("small") or the original."""
    urls: list[str] = []
    for media in attachments if isinstance(attachments, list) else []:
        if not isinstance(media, dict) or media.get("type") != "image":
            continue
        first, second = ("preview_url", "url") if media_size == "small" else ("url", "preview_url")
        url = media.get(first) or media.get(second)
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            urls.append(url)
    return urls


class _TextExtractor(HTMLParser):
    """Status HTML to plain text: paragraphs and <br> become newlines, tags vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    """The text a reader sees in a status, with '#<span>tag</span>' back to '#tag'."""
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)  # entities already decoded by convert_charrefs
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

"""Test doubles for the collect tests: a Mastodon-shaped server and tiny images.

The server answers `GET /api/v1/timelines/tag/:hashtag` the way the Mastodon API
documentation shows (docs.joinmastodon.org/methods/timelines/#tag and
/api/guidelines/#pagination): an array of Status entities newest first, `limit`
and `max_id` honoured, and a `Link` header with rel="next" only while the page is
full (as Mastodon's `records_continue?`) plus rel="prev". Faults are injected per
request path: 429 with `Retry-After`, 500s, broken and oversized images.
"""

from __future__ import annotations

import json
import struct
import threading
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from werkzeug import Request, Response


def png(seed: int, size: int = 2) -> bytes:
    """A valid PNG whose pixels depend on `seed` (distinct bytes per image)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes((seed * 37 + i) % 256 for i in range(size * 3))
    raw = row * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def status(sid: str, base: str, text: str, tags: list[str], images: int = 1) -> dict:
    """A Status entity as the Mastodon docs show it (the fields a client sees)."""
    links = " ".join(
        f'<a href="{base}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>' for t in tags
    )
    media = [{
        "id": f"{sid}{n}", "type": "image",
        "url": f"{base}/media/{sid}-{n}/original.png",
        "preview_url": f"{base}/media/{sid}-{n}/small.png",
        "remote_url": None, "preview_remote_url": None, "text_url": None,
        "meta": {"original": {"width": 2, "height": 2, "size": "2x2", "aspect": 1.0},
                 "small": {"width": 2, "height": 2, "size": "2x2", "aspect": 1.0}},
        "description": "a test image", "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
    } for n in range(images)]
    return {
        "id": sid,
        "created_at": "2019-11-26T23:27:31.000Z",
        "in_reply_to_id": None, "in_reply_to_account_id": None,
        "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
        "uri": f"{base}/users/someone/statuses/{sid}",
        "url": f"{base}/@someone/{sid}",
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None,
        "content": f"<p>{text} &amp; more</p><p>{links}</p>",
        "reblog": None,
        "application": None,
        "account": {"id": "1", "username": "someone", "acct": "someone", "display_name": "Some One",
                    "url": f"{base}/@someone"},
        "media_attachments": media,
        "mentions": [],
        "tags": [{"name": t.lower(), "url": f"{base}/tags/{t.lower()}"} for t in tags],
        "emojis": [], "card": None, "poll": None,
    }


@dataclass
class FakeMastodon:
    """Statuses by hashtag, served with Mastodon's paging; faults by request path."""

    base: str
    timelines: dict[str, list[dict]] = field(default_factory=dict)
    # path -> list of (status, headers, body) to answer before the normal response
    faults: dict[str, list[tuple[int, dict, bytes]]] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sid: str, text: str, tags: list[str], images: int = 1) -> dict:
        """A status on every timeline of its tags (ids grow: newer statuses have larger ids)."""
        st = status(sid, self.base, text, tags, images)
        for tag in tags:
            self.timelines.setdefault(tag.lower(), []).append(st)
        for n in range(images):
            for size in ("original", "small"):
                self.media[f"/media/{sid}-{n}/{size}.png"] = png(int(sid) * 10 + n)
        return st

    def handle(self, request: Request) -> Response:
        if self.delay:
            threading.Event().wait(self.delay)
        path = request.path
        with self.lock:
            self.log.append(request.full_path)
            queued = self.faults.get(path)
            fault = queued.pop(0) if queued else None
        if fault is not None:
            code, headers, body = fault
            return Response(body, status=code, headers=headers)
        if path.startswith("/api/v1/timelines/tag/"):
            return self._timeline(unquote(path.rsplit("/", 1)[1]).lower(), request)
        if path in self.media:
            return Response(self.media[path], content_type="image/png")
        return Response(json.dumps({"error": "Record not found"}), status=404, content_type="application/json")

    def _timeline(self, tag: str, request: Request) -> Response:
        if tag not in self.timelines:
            return Response(json.dumps({"error": "Record not found"}), status=404,
                            content_type="application/json")
        limit = min(int(request.args.get("limit", 20)), 40)
        newest_first = sorted(self.timelines[tag], key=lambda s: int(s["id"]), reverse=True)
        max_id = request.args.get("max_id")
        if max_id:
            newest_first = [s for s in newest_first if int(s["id"]) < int(max_id)]
        page = newest_first[:limit]
        headers = {}
        if page:
            url = f"{self.base}/api/v1/timelines/tag/{quote(tag)}"
            links = []
            if len(page) == limit:
                links.append(f'<{url}?limit={limit}&max_id={page[-1]["id"]}>; rel="next"')
            links.append(f'<{url}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"')
            headers["Link"] = ", ".join(links)
        return Response(json.dumps(page), content_type="application/json", headers=headers)


# -- the travel world of the crawl tests ------------------------------------------
VOCAB = ("photography", "wanderlust", "travel", "solo", "gram")
IMAGE_CAP = 2000


def greedy_segment(key: str) -> list[str]:
    """A deterministic stand-in segmenter: longest known word first, else one char."""
    words, i = [], 0
    while i < len(key):
        word = next((w for w in VOCAB if key.startswith(w, i)), None)
        if word is None:
            j = i
            while j < len(key) and not any(key.startswith(w, j) for w in VOCAB):
                j += 1
            word = key[i:j]
        words.append(word)
        i += len(word)
    return words


def travel_world(fake: FakeMastodon) -> None:
    """Ten statuses; see test_collect_crawl.py for the rounds they produce."""
    fake.add("101", "alone on the road", ["solotravel", "travel"])
    fake.add("102", "a long walk", ["solotravel", "travel", "wanderlust"])
    fake.add("103", "both seeds", ["solotravel", "travelphotography", "travel", "wanderlust"])
    fake.add("104", "broken image", ["travelphotography", "travel", "photography"])
    fake.add("105", "huge image", ["travelphotography", "travel", "photography"])
    fake.add("106", "sunrise", ["travel", "photography"])
    fake.add("107", "harbour", ["travel", "photography", "travelgram"])
    fake.add("108", "city lights", ["photography"])
    fake.add("109", "mountain", ["photography"])
    fake.add("110", "old town", ["photography"])
    fake.media["/media/104-0/small.png"] = b"<html><body>502 Bad Gateway</body></html>"
    fake.media["/media/105-0/small.png"] = png(1050) + b"\0" * (IMAGE_CAP * 2)


TRAVEL_EXPECTED = {"101", "102", "103", "104", "105", "106", "107", "109", "110"}
TRAVEL_SEEDS = """
[topics.travel]
description = "travel"
seeds = ["#solotravel", "#travelphotography"]
"""


def make_crawler(db: str, base: str, sleeps: list[float] | None = None, progress: bool = False,
                 seeds_toml: str = TRAVEL_SEEDS, target: int = 9):
    """The crawler the crawl tests run: tiny waits, page size 2, three rounds, one new tag a round."""
    from taglens.collect import CrawlConfig, Crawler, Expander, HttpConfig, PoliteClient
    from taglens.collect.expand import OverlapRelevance
    from taglens.collect.seeds import parse_seeds
    from taglens.collect.sources.mastodon import MastodonSource
    from taglens.corpus import Corpus
    import tomllib

    sleeps = sleeps if sleeps is not None else []
    http = HttpConfig(min_interval=0.0, timeout=5.0, backoff_base=0.01, max_retries=3, max_media_bytes=IMAGE_CAP)
    client = PoliteClient(http, sleep=sleeps.append)
    source = MastodonSource(base, client, page_size=2)
    seeds = parse_seeds(tomllib.loads(seeds_toml), origin="test")
    expander = Expander(OverlapRelevance(), min_relevance=0.5, segment=greedy_segment)
    config = CrawlConfig(target_posts=target, max_rounds=3, tags_per_round=1, max_pages_per_tag=5, progress=progress)
    corpus = Corpus(db)
    return Crawler(corpus, source, seeds, expander, config)


def status_ids(corpus) -> list[str]:
    """Status ids of the stored posts, in insertion order (duplicates would show twice)."""
    return [r[0].rsplit("/", 1)[1] for r in corpus.conn.execute("SELECT id FROM posts ORDER BY rowid")]

"""Sources: Status entities to Posts, paging cursors, the local source, Instagram through fakes."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from collect_fakes import FakeMastodon, png
from taglens.collect.http import FetchError, HttpConfig, MediaError, PoliteClient
from taglens.collect.sources.instagram import InstagramSource, post_to_item
from taglens.collect.sources.local import LocalSource
from taglens.collect.sources.mastodon import (
    MastodonSource,
    html_to_text,
    next_max_id,
    normalise_instance,
    status_to_item,
)
from taglens.errors import InputError

# The second status of the docs' sample timeline for #cats (methods/timelines/#tag), abridged.
DOCS_STATUS = {
    "id": "103203659567597966",
    "created_at": "2019-11-26T10:07:49.000Z",
    "visibility": "public",
    "uri": "https://chaos.social/users/kernpanik/statuses/103203659567597966",
    "url": "https://chaos.social/@kernpanik/103203659567597966",
    "content": "<p>Caught on the hop. 😺 </p><p><a href=\"https://chaos.social/tags/Qualit%C3%A4tskatzen\" "
               "class=\"mention hashtag\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">#<span>"
               "Qualitätskatzen</span></a> <a href=\"https://chaos.social/tags/cats\" class=\"mention hashtag\" "
               "rel=\"nofollow noopener noreferrer\" target=\"_blank\">#<span>cats</span></a><br>(photo: "
               "<span class=\"h-card\"><a href=\"https://chaos.social/@kernpanik\" class=\"u-url mention\">"
               "@<span>kernpanik</span></a></span> | license: CC BY-NC-SA 4.0)</p>",
    "tags": [{"name": "qualitätskatzen", "url": "https://mastodon.social/tags/qualit%C3%A4tskatzen"},
             {"name": "cats", "url": "https://mastodon.social/tags/cats"},
             {"name": "greece", "url": "https://mastodon.social/tags/greece"}],
    "media_attachments": [
        {"id": "1", "type": "image", "url": "https://files.example/original/a.jpeg",
         "preview_url": "https://files.example/small/a.jpeg", "remote_url": None},
        {"id": "2", "type": "video", "url": "https://files.example/original/b.mp4",
         "preview_url": "https://files.example/small/b.png", "remote_url": None},
    ],
    "reblog": None,
}


def test_docs_status_becomes_a_post():
    item = status_to_item(DOCS_STATUS, "https://mastodon.social")
    post = item.post
    assert post.id == "mastodon:https://chaos.social/users/kernpanik/statuses/103203659567597966"
    assert post.text == ("Caught on the hop. 😺\n\n#Qualitätskatzen #cats\n"
                         "(photo: @kernpanik | license: CC BY-NC-SA 4.0)")
    assert post.hashtags == ["#Qualitätskatzen", "#cats", "#greece"]  # as written, then the server's extra
    assert post.source == "mastodon" and post.meta["url"].startswith("https://chaos.social/@kernpanik/")
    assert item.media == ["https://files.example/small/a.jpeg"]  # images only, the preview by default
    assert status_to_item(DOCS_STATUS, "x", media_size="original").media == ["https://files.example/original/a.jpeg"]


def test_reblogs_unwrap_and_private_statuses_are_dropped():
    boost = {"id": "9", "reblog": DOCS_STATUS, "content": "", "media_attachments": []}
    assert status_to_item(boost, "x").post.id == status_to_item(DOCS_STATUS, "x").post.id
    assert status_to_item({**DOCS_STATUS, "visibility": "private"}, "x") is None


def test_html_to_text_decodes_entities_once():
    assert html_to_text("<p>a &amp;lt; b</p><p>c<br>d</p>") == "a &lt; b\n\nc\nd"


def test_next_max_id_from_link_header_or_page():
    page = [{"id": "30"}, {"id": "20"}]
    link = ('<https://m.example/api/v1/timelines/tag/cats?limit=2&max_id=20>; rel="next", '
            '<https://m.example/api/v1/timelines/tag/cats?limit=2&min_id=30>; rel="prev"')
    assert next_max_id(link, page) == "20"
    assert next_max_id('<https://m.example/x?min_id=30>; rel="prev"', page) is None  # last page
    assert next_max_id(None, page) == "20"  # no Link header: page by the oldest id
    assert next_max_id(link, []) is None


def test_instance_urls_are_normalised():
    assert normalise_instance("mastodon.social/") == "https://mastodon.social"
    assert normalise_instance("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    with pytest.raises(InputError):
        normalise_instance("")
    with pytest.raises(InputError):
        normalise_instance("ftp://x")


def test_mastodon_source_pages_a_timeline_and_an_unknown_tag_is_empty(httpserver):
    fake = FakeMastodon(httpserver.url_for("").rstrip("/"))
    for sid in ("11", "12", "13"):
        fake.add(sid, "hi", ["cats"])
    httpserver.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    source = MastodonSource(fake.base, PoliteClient(HttpConfig(min_interval=0)), page_size=2)
    first = source.fetch_page("cats", None)
    assert [i.post.id[-2:] for i in first.items] == ["13", "12"] and first.next_cursor == "12"
    second = source.fetch_page("cats", first.next_cursor)
    assert [i.post.id[-2:] for i in second.items] == ["11"] and second.next_cursor is None
    assert source.fetch_page("nosuchtag", None).items == []
    assert source.fetch_media(first.items[0].media[0]) == png(130)


def test_robots_txt_is_obeyed(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nDisallow: /api/v1/timelines/\n")
    source = MastodonSource(httpserver.url_for("/"), PoliteClient(HttpConfig(min_interval=0)))
    with pytest.raises(InputError, match="robots.txt does not allow crawling /api/v1/timelines/tag/cats"):
        source.fetch_page("cats", None)
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]  # refused before asking


def test_local_source_serves_posts_and_statuses_by_tag(tmp_path):
    (tmp_path / "a.png").write_bytes(png(1))
    (tmp_path / "fake.png").write_text("not an image")
    lines = [
        {"id": "p1", "text": "sunset #beach", "images": ["a.png"]},
        {"id": "p2", "text": "waves", "hashtags": ["#Beach"], "images": ["fake.png"]},
        DOCS_STATUS,
        {"text": "no id #beach"},
    ]
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{broken\n", encoding="utf-8")
    source = LocalSource(path, page_size=2)
    assert source.warnings == ["dump.jsonl:5: bad JSON (Expecting property name enclosed in double quotes)"]
    page = source.fetch_page("beach", None)
    assert [i.post.id for i in page.items] == ["p1", "p2"] and page.next_cursor == "2"
    assert [i.post.hashtags for i in page.items] == [["#beach"], ["#Beach"]]  # caption tags are tags too
    assert [i.post.id for i in source.fetch_page("beach", "2").items] == ["local:dump:4"]
    assert source.fetch_page("qualitätskatzen", None).items[0].post.source == "mastodon"
    assert source.fetch_media(page.items[0].media[0]) == png(1)
    for ref in (page.items[1].media[0], "https://files.example/small/a.jpeg", str(tmp_path / "none.png")):
        with pytest.raises(MediaError):
            source.fetch_media(ref)


# -- Instagram, through a stand-in for the instaloader module ------------------------------
class FakeFrozen(SimpleNamespace):
    def _asdict(self):
        return dict(vars(self))


class FakeIterator:
    """Mimics instaloader's NodeIterator: iterate, freeze, thaw an equal iterator."""

    def __init__(self, posts):
        self.posts, self.index = posts, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.index >= len(self.posts):
            raise StopIteration
        self.index += 1
        return self.posts[self.index - 1]

    def freeze(self):
        return FakeFrozen(total_index=self.index, query_hash="h")

    def thaw(self, frozen):
        if frozen.query_hash != "h":
            raise FakeExceptions.InvalidArgumentException("mismatching resume information")
        self.index = frozen.total_index


class FakeExceptions:
    class InstaloaderException(Exception):
        pass

    class QueryReturnedNotFoundException(InstaloaderException):
        pass

    class InvalidArgumentException(InstaloaderException):
        pass

    class TooManyRequestsException(InstaloaderException):
        pass


def ig_post(code: str, caption: str, sidecar: bool = False):
    nodes = [SimpleNamespace(is_video=False, display_url=f"https://cdn.example/{code}-{n}.jpg") for n in range(2)]
    nodes.append(SimpleNamespace(is_video=True, display_url=f"https://cdn.example/{code}-v.jpg"))
    return SimpleNamespace(
        shortcode=code, caption=caption, caption_hashtags=[t.lstrip("#").lower() for t in caption.split() if t[0] == "#"],
        typename="GraphSidecar" if sidecar else "GraphImage", url=f"https://cdn.example/{code}.jpg",
        get_sidecar_nodes=lambda: iter(nodes), date_utc=datetime(2020, 1, 2, tzinfo=timezone.utc),
    )


def fake_instaloader(feeds: dict[str, list], sessions: set[str]):
    class Loader:
        def __init__(self, **kwargs):
            assert kwargs["download_pictures"] is False and kwargs["quiet"] is True
            self.context = "ctx"

        def load_session_from_file(self, username, filename=None):
            if username not in sessions:
                raise FileNotFoundError(filename)

        def close(self):
            pass

    class Hashtag:
        @staticmethod
        def from_name(context, name):
            if name == "limited":
                raise FakeExceptions.TooManyRequestsException("429 Too Many Requests")
            if name not in feeds:
                raise FakeExceptions.QueryReturnedNotFoundException(name)
            return SimpleNamespace(get_posts_resumable=lambda: FakeIterator(feeds[name]))

    return SimpleNamespace(Instaloader=Loader, Hashtag=Hashtag, FrozenNodeIterator=FakeFrozen,
                           exceptions=FakeExceptions)


def test_instagram_source_pages_with_frozen_iterators():
    feed = [ig_post(f"C{n}", f"day {n} #Travel #wanderlust") for n in range(5)]
    module = fake_instaloader({"travel": feed}, sessions={"me"})
    source = InstagramSource("me", page_size=2, module=module,
                             client=PoliteClient(HttpConfig(min_interval=0)))
    assert source.key == "instagram:me"
    seen, cursor = [], None
    while True:
        page = source.fetch_page("travel", cursor)
        seen += [i.post.id for i in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        json.loads(cursor)  # stored in the corpus as JSON
    assert seen == [f"instagram:C{n}" for n in range(5)]
    assert source.fetch_page("nosuch", None).items == []
    with pytest.raises(FetchError, match="instagram #limited: 429"):
        source.fetch_page("limited", None)
    # a stored position Instagram no longer accepts restarts the feed (dedup makes it harmless)
    stale = json.dumps({"total_index": 4, "query_hash": "old"})
    assert source.fetch_page("travel", stale).items[0].post.id == "instagram:C0" and source.warnings


def test_instagram_post_conversion_and_missing_session():
    item = post_to_item(ig_post("Cx", "Beach day #Sunset #sea", sidecar=True))
    assert item.post.id == "instagram:Cx" and item.post.hashtags == ["#Sunset", "#sea"]
    assert item.media == ["https://cdn.example/Cx-0.jpg", "https://cdn.example/Cx-1.jpg"]  # no video frames
    assert item.post.meta["url"] == "https://www.instagram.com/p/Cx/"
    with pytest.raises(InputError, match="instaloader --login nobody"):
        InstagramSource("nobody", module=fake_instaloader({}, sessions=set()))

"""The crawl loop against a Mastodon-shaped server on 127.0.0.1.

The travel world (tests/collect_fakes.py), page size 2, target 9, one new tag a round:

* round 1 crawls the seeds #solotravel (101-103) and #travelphotography (103-105):
  5 posts, 103 seen twice;
* the expander ranks #travel first (relevant, on all 5 posts): round 2 adds 106, 107;
* then #photography (on 4 posts): round 3's first page (110, 109) reaches 9.

Faults on the way: a 429 with Retry-After on #travel, a 500 on #photography, an
HTML page instead of 104's image, an oversized image for 105.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collect_fakes import TRAVEL_EXPECTED, FakeMastodon, make_crawler, png, status_ids, travel_world
from taglens.collect.http import FetchError
from taglens.corpus import Corpus

TESTS = Path(__file__).parent


@pytest.fixture()
def fake(httpserver) -> FakeMastodon:
    server = FakeMastodon(httpserver.url_for("").rstrip("/"))
    travel_world(server)
    httpserver.expect_request(re.compile("^/")).respond_with_handler(server.handle)
    return server


def test_three_rounds_reach_the_target_with_the_expected_posts(fake, tmp_path):
    fake.faults["/api/v1/timelines/tag/travel"] = [(429, {"Retry-After": "3"}, b'{"error":"Too many requests"}')]
    fake.faults["/api/v1/timelines/tag/photography"] = [(500, {}, b"Internal Server Error")]
    sleeps: list[float] = []
    crawler = make_crawler(str(tmp_path / "c.sqlite"), fake.base, sleeps)
    summary = crawler.run()

    assert summary.stop_reason == "target reached"
    assert summary.rounds == 3
    ids = status_ids(crawler.corpus)
    assert sorted(ids) == sorted(TRAVEL_EXPECTED) and len(ids) == len(set(ids))
    assert summary.added == 9 and summary.per_topic == {"travel": 9}
    assert summary.tags_crawled["travel"] == ["photography", "solotravel", "travel", "travelphotography"]
    # Retry-After honoured (3 s asked, the fake sleep records it), the 500 retried after a backoff
    assert 3.0 in sleeps and len(sleeps) == 2
    # paging followed the Link header's max_id, and page 1 of #photography was the last page read
    assert "/api/v1/timelines/tag/travel?limit=2&only_media=true&max_id=106" in fake.log
    assert not any("photography?" in p and "max_id" in p for p in fake.log if "travelphotography" not in p)

    posts = {p.id.rsplit("/", 1)[1]: p for p in crawler.corpus.iter_posts()}
    assert {p.topic for p in posts.values()} == {"travel"}
    assert posts["101"].text == "alone on the road & more\n\n#solotravel #travel"
    assert posts["101"].hashtags == ["#solotravel", "#travel"]
    assert Path(posts["106"].images[0]).read_bytes() == png(1060)
    for broken in ("104", "105"):  # post kept, image skipped with a note
        assert posts[broken].images == [] and posts[broken].meta["media_skipped"]
    assert summary.media_skipped == 2 and crawler.corpus.count("media") == 7


def test_a_finished_crawl_run_again_asks_nothing_and_adds_nothing(fake, tmp_path):
    db = str(tmp_path / "c.sqlite")
    make_crawler(db, fake.base).run()
    requests_before = len(fake.log)
    again = make_crawler(db, fake.base).run()
    assert again.added == 0 and again.stop_reason == "target reached"
    assert len(fake.log) == requests_before


TWO_TOPICS = """
[topics.travel]
description = "travel"
seeds = ["#solotravel"]

[topics.pets]
description = "cats"
seeds = ["#catsofmastodon"]
"""


def add_cats(fake: FakeMastodon) -> None:
    fake.add("201", "a cat", ["catsofmastodon", "cats", "travel"])
    fake.add("202", "another cat", ["catsofmastodon", "cats"])
    fake.add("203", "cat on a boat", ["cats", "solotravel"])


def test_each_post_is_labelled_with_the_topic_that_found_it_first(fake, tmp_path):
    add_cats(fake)
    crawler = make_crawler(str(tmp_path / "c.sqlite"), fake.base, seeds_toml=TWO_TOPICS, target=50)
    summary = crawler.run()
    topics = {p.id.rsplit("/", 1)[1]: p.topic for p in crawler.corpus.iter_posts()}
    # round 1: #solotravel (203 103 102 101) and #catsofmastodon (202 201);
    # round 2: #travel (107-104; 201 is already a pets post), #cats (nothing new);
    # round 3: #solo (unknown to the server; #photography is off topic for these seeds);
    # pets has nothing relevant left, travel runs out of rounds
    travel = {"101", "102", "103", "104", "105", "106", "107", "203"}
    assert topics == {**{i: "travel" for i in travel}, "201": "pets", "202": "pets"}
    assert summary.tags_crawled == {"travel": ["solo", "solotravel", "travel"],
                                    "pets": ["cats", "catsofmastodon"]}
    assert summary.stop_reason == "max rounds (3) done" and summary.rounds == 3
    assert summary.per_topic == {"travel": 8, "pets": 2}


def test_a_crawl_stops_when_nothing_new_and_relevant_is_left(fake, tmp_path):
    add_cats(fake)
    pets_only = TWO_TOPICS.split("[topics.pets]")[1]
    crawler = make_crawler(str(tmp_path / "c.sqlite"), fake.base, seeds_toml="[topics.pets]" + pets_only, target=50)
    summary = crawler.run()
    assert summary.stop_reason == "nothing new and relevant left" and summary.rounds == 2
    assert sorted(status_ids(crawler.corpus)) == ["201", "202", "203"]


def test_failing_tags_are_skipped_then_the_crawl_gives_up_and_resumes_later(fake, tmp_path):
    db = str(tmp_path / "c.sqlite")
    down = [(503, {}, b"down")] * 4  # every attempt of one request (max_retries=3)
    fake.faults["/api/v1/timelines/tag/solotravel"] = list(down)
    crawler = make_crawler(db, fake.base)
    summary = crawler.run()  # one seed fails, the rest of the crawl goes on
    assert any("#solotravel: skipped for this run" in n for n in summary.notes)
    assert summary.stop_reason == "target reached" and len(status_ids(crawler.corpus)) == 9
    crawler.corpus.close()

    for tag in ("travel", "photography", "travelphotography"):
        fake.faults[f"/api/v1/timelines/tag/{tag}"] = list(down)
    db2 = str(tmp_path / "d.sqlite")
    fake.faults["/api/v1/timelines/tag/solotravel"] = list(down)
    with pytest.raises(FetchError, match="run the same command again"):
        make_crawler(db2, fake.base, seeds_toml=THREE_FAILING).run()
    resumed = make_crawler(db2, fake.base, seeds_toml=THREE_FAILING)  # the server is back
    resumed.run()
    assert {"101", "106"} <= set(status_ids(resumed.corpus))


THREE_FAILING = """
[topics.travel]
description = "travel"
seeds = ["#solotravel", "#travel", "#photography"]
"""


class Boom(Exception):
    pass


@pytest.mark.parametrize("crash_at", [1, 3, 5, 7, 9])
def test_crash_between_pages_then_resume_loses_and_duplicates_nothing(fake, tmp_path, crash_at):
    db = str(tmp_path / "c.sqlite")
    crawler = make_crawler(db, fake.base)
    real_fetch, calls = crawler.source.fetch_page, []

    def flaky(tag, cursor):
        calls.append(tag)
        if len(calls) == crash_at:
            raise Boom
        return real_fetch(tag, cursor)

    crawler.source.fetch_page = flaky
    with pytest.raises(Boom):
        crawler.run()
    crawler.corpus.close()

    resumed = make_crawler(db, fake.base)
    summary = resumed.run()
    ids = status_ids(resumed.corpus)
    assert sorted(ids) == sorted(TRAVEL_EXPECTED) and len(ids) == len(set(ids))
    assert summary.stop_reason == "target reached"


# add_post calls: 103 102 | 101 | 105 104 | 107 106 | 110 109  (| = a page commit)
@pytest.mark.parametrize(("crash_at_post", "committed"), [(1, 0), (2, 0), (4, 3), (5, 3), (8, 7)])
def test_crash_inside_a_page_commit_rolls_the_page_back(fake, tmp_path, crash_at_post, committed, monkeypatch):
    db = str(tmp_path / "c.sqlite")
    crawler = make_crawler(db, fake.base)
    real_add, calls = Corpus.add_post, []

    def failing_add(self, post):
        calls.append(post.id)
        if len(calls) == crash_at_post:
            raise Boom
        return real_add(self, post)

    monkeypatch.setattr(Corpus, "add_post", failing_add)
    with pytest.raises(Boom):
        crawler.run()
    assert len(status_ids(crawler.corpus)) == committed  # whole pages only, never half of one
    crawler.corpus.close()
    monkeypatch.setattr(Corpus, "add_post", real_add)

    resumed = make_crawler(db, fake.base)
    resumed.run()
    ids = status_ids(resumed.corpus)
    assert sorted(ids) == sorted(TRAVEL_EXPECTED) and len(ids) == len(set(ids))


CHILD = """
import sys
sys.path.insert(0, {tests!r})
from collect_fakes import make_crawler
make_crawler({db!r}, {base!r}).run()
"""


def test_sigkill_midway_then_resume(fake, tmp_path):
    """A real process killed with SIGKILL while it crawls; the next run completes the set."""
    db = tmp_path / "c.sqlite"
    fake.delay = 0.05  # slow enough to be killed between pages
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=str(TESTS), db=str(db), base=fake.base)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline and child.poll() is None:
            if db.exists() and _count_posts(db) >= 3:
                break
            time.sleep(0.02)
        assert child.poll() is None, f"the crawl ended before it could be killed: {child.stderr.read()!r}"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    killed_with = _count_posts(db)
    assert 3 <= killed_with < len(TRAVEL_EXPECTED)

    fake.delay = 0.0
    resumed = make_crawler(str(db), fake.base)
    summary = resumed.run()
    ids = status_ids(resumed.corpus)
    assert sorted(ids) == sorted(TRAVEL_EXPECTED) and len(ids) == len(set(ids))
    assert summary.added == len(TRAVEL_EXPECTED) - killed_with


def _count_posts(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0

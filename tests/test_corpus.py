"""The SQLite corpus and its five importers: idempotent, transactional, row errors reported."""

from __future__ import annotations

import json
import lzma
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taglens.corpus import Corpus, import_posts
from taglens.errors import InputError
from taglens.post import Post

from conftest import write_jpeg


def test_jsonl_import_is_idempotent(tmp_path, jsonl_file):
    db = tmp_path / "c.sqlite"
    with Corpus(db) as corpus:
        first = import_posts(corpus, "jsonl", jsonl_file)
        second = import_posts(corpus, "jsonl", jsonl_file)
        assert (first.added, first.skipped) == (10, 0)
        assert (second.added, second.skipped) == (0, 10)
        assert corpus.count("posts") == 10
        assert corpus.count("post_hashtags") == 29
        top = corpus.tag_counts(2)
        assert top[0][:2] == ("food", "#food") and top[0][2] == 5


def test_bad_rows_are_reported_with_line_numbers_and_do_not_stop(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "ok", "hashtags": ["#one"]}\n'
        b'{"id": "b", "text": \n'
        b'{"id": "c", "hashtags": ["#123"]}\n'
        b'\xff\xfe not utf-8\n'
        b'\n'
        b'{"id": "d", "text": "fine", "hashtags": ["two"]}\n'
    )
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "jsonl", path)
        assert report.added == 2
        assert [e.split(":")[0] for e in report.errors] == ["line 2", "line 3", "line 4"]
        assert "not UTF-8" in report.errors[2]
        assert {p.id for p in corpus.iter_posts()} == {"a", "d"}


def test_interrupted_import_leaves_store_unchanged(tmp_path, jsonl_file, monkeypatch):
    db = tmp_path / "c.sqlite"
    with Corpus(db) as corpus:
        calls = {"n": 0}
        original = Corpus.add_post

        def flaky(self, post):
            calls["n"] += 1
            if calls["n"] == 6:
                raise KeyboardInterrupt  # the user pressed Ctrl-C halfway
            return original(self, post)

        monkeypatch.setattr(Corpus, "add_post", flaky)
        with pytest.raises(KeyboardInterrupt):
            import_posts(corpus, "jsonl", jsonl_file)
        assert corpus.count("posts") == 0 and corpus.count("hashtags") == 0
        monkeypatch.setattr(Corpus, "add_post", original)
        assert import_posts(corpus, "jsonl", jsonl_file).added == 10


KILL_SCRIPT = r"""
import sys, time
from pathlib import Path
from taglens.corpus import Corpus, import_posts
from taglens.corpus import importers
from taglens.post import Post

def slow(path):
    for i in range(1, 100000):
        if i == 200:
            Path(sys.argv[2]).write_text("halfway")
            time.sleep(60)
        yield i, Post(id=f"p{i}", text="t", hashtags=["#tag%d" % (i % 7)])

importers.IMPORTERS["slow"] = slow
with Corpus(sys.argv[1]) as corpus:
    import_posts(corpus, "slow", sys.argv[1])
"""


def test_killed_import_process_leaves_store_consistent(tmp_path, jsonl_file):
    db, marker = tmp_path / "c.sqlite", tmp_path / "marker"
    with Corpus(db) as corpus:
        import_posts(corpus, "jsonl", jsonl_file)
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db), str(marker)])
    deadline = time.time() + 30
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "import subprocess never reached halfway"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Corpus(db) as corpus:
        assert corpus.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert corpus.count("posts") == 10  # the killed import added nothing
        assert import_posts(corpus, "jsonl", jsonl_file).skipped == 10


def test_media_are_content_addressed_and_non_images_refused(tmp_path):
    img = write_jpeg(tmp_path / "a.jpg")
    copy = tmp_path / "b.jpg"
    copy.write_bytes(img.read_bytes())
    (tmp_path / "fake.jpg").write_text("not an image")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        assert corpus.add_post(Post(id="1", text="x", hashtags=["#a"], images=[str(img)]))
        assert corpus.add_post(Post(id="2", text="y", hashtags=["#a"], images=[str(copy)]))
        assert corpus.count("media") == 1
        stored = [p.images[0] for p in corpus.iter_posts()]
        assert stored[0] == stored[1] and Path(stored[0]).read_bytes() == img.read_bytes()
        with pytest.raises(InputError, match="not an image"):
            corpus.add_post(Post(id="3", hashtags=["#a"], images=[str(tmp_path / "fake.jpg")]))
        assert not corpus.has_post("3")  # the failed post left nothing behind


def test_tweeteval_import(tmp_path):
    folder = tmp_path / "tweeteval"
    folder.mkdir()
    (folder / "train_text.txt").write_text(
        "Love love love ️ #friends #bff @ San Diego\nno tags here @ Home\n#123 only numbers\n", encoding="utf-8")
    (folder / "train_labels.txt").write_text("0\n4\n7\n")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "tweeteval", folder)
        assert report.added == 3
        first = next(corpus.iter_posts())
        assert first.id == "tweeteval:train:1"
        assert first.hashtags == ["#friends", "#bff"]
        assert first.meta == {"split": "train", "emoji_label": 0}


def test_harrison_import_reports_bad_rows(tmp_path):
    folder = tmp_path / "harrison"
    (folder / "instagram_dataset" / "sea").mkdir(parents=True)
    write_jpeg(folder / "instagram_dataset" / "sea" / "image_1.jpg")
    (folder / "data_list.txt").write_text(
        "instagram_dataset/sea/image_1.jpg\ninstagram_dataset/sea/image_2.jpg\ninstagram_dataset/sun/image_3.jpg\n")
    (folder / "tag_list.txt").write_text("sea beach love \n\nsun sunshine \n")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "harrison", folder)
        assert report.added == 2 and len(report.errors) == 1 and report.errors[0].startswith("line 2")
        posts = {p.id: p for p in corpus.iter_posts()}
        sea = posts["harrison:instagram_dataset/sea/image_1.jpg"]
        assert sea.hashtags == ["#sea", "#beach", "#love"] and len(sea.images) == 1
        assert sea.meta["query"] == "sea"
        assert posts["harrison:instagram_dataset/sun/image_3.jpg"].images == []


def test_stan_import(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text("reading #eclipse tonight\teclipse\teclipse\tEclipse\nbroken row\n", encoding="utf-8")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "stan", path)
        assert report.added == 1 and report.errors[0].startswith("line 2")
        post = next(corpus.iter_posts())
        assert post.hashtags == ["#eclipse"] and post.meta["segmentations"] == ["eclipse", "Eclipse"]


def test_instaloader_import(tmp_path):
    folder = tmp_path / "insta"
    folder.mkdir()
    stem = "2023-02-27_01-55-07_UTC"
    write_jpeg(folder / f"{stem}_1.jpg", (10, 20, 30))
    write_jpeg(folder / f"{stem}_2.jpg", (30, 20, 10))
    (folder / f"{stem}.txt").write_text("New coil day #vape #VapeLife 😤", encoding="utf-8")
    node = {"node": {"shortcode": "CpJe0liOseN", "edge_media_preview_like": {"count": 42}}}
    (folder / f"{stem}.json.xz").write_bytes(lzma.compress(json.dumps(node).encode()))
    other = "2023-03-01_10-00-00_UTC"
    write_jpeg(folder / f"{other}.jpg")
    (folder / f"{other}.json.xz").write_bytes(b"broken")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "instaloader", folder)
        assert report.added == 1 and len(report.errors) == 1 and "broken metadata" in report.errors[0]
        post = next(corpus.iter_posts())
        assert post.id == "instagram:CpJe0liOseN"
        assert post.hashtags == ["#vape", "#VapeLife"] and len(post.images) == 2
        assert post.meta["likes"] == 42


def test_unknown_format_and_missing_path(tmp_path):
    with Corpus(tmp_path / "c.sqlite") as corpus:
        with pytest.raises(InputError, match="unknown format"):
            import_posts(corpus, "csv", tmp_path)
        with pytest.raises(InputError, match="no such file"):
            import_posts(corpus, "jsonl", tmp_path / "missing.jsonl")


def test_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a taglens corpus"):
        Corpus(bogus)


def test_stats_and_export_round_trip(tmp_path, jsonl_file):
    from taglens.post import read_jsonl

    with Corpus(tmp_path / "c.sqlite") as corpus:
        import_posts(corpus, "jsonl", jsonl_file)
        corpus.set_topic("f1", "food")
        stats = corpus.stats(top=3)
        assert stats["posts"] == 10 and stats["topics"]["food"] == 1
        out = tmp_path / "out.jsonl"
        with open(out, "w", encoding="utf-8") as handle:
            from taglens.post import write_jsonl
            write_jsonl(corpus.iter_posts(), handle)
    again = [p for _, p in read_jsonl(out)]
    original = [p for _, p in read_jsonl(jsonl_file)]
    assert [(p.id, p.text, p.hashtags) for p in again] == [(p.id, p.text, p.hashtags) for p in original]


def test_a_failed_import_leaves_no_database_behind(tmp_path, jsonl_file):
    """Issue 17 #18: nothing is left on disk until there is something to store."""
    from taglens.cli import main

    db = tmp_path / "new" / "x.sqlite"
    assert main(["import", "tweeteval", str(tmp_path / "missing"), "--db", str(db)]) == 2
    assert not db.exists() and not (tmp_path / "new").exists()
    assert main(["import", "jsonl", "/dev/null", "--db", str(db)]) == 2
    assert list(tmp_path.iterdir()) == [jsonl_file]
    with Corpus(db):
        pass  # opened and closed with nothing stored
    assert not db.exists()
    assert main(["import", "jsonl", str(jsonl_file), "--db", str(db)]) == 0
    assert db.is_file()
    with Corpus(db):
        pass  # an existing corpus is never removed, even when this session stored nothing
    assert db.is_file()

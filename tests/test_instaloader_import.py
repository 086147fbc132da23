"""instaloader downloads as they really are: per-target sub-folders, carousels, posts
with no caption, the profile file, odd files; and the flattened index.jsonl form."""

from __future__ import annotations

import json
import lzma
import os
from pathlib import Path

from taglens.corpus import Corpus, import_posts
from taglens.corpus.importers import read_instaloader
from taglens.corpus.instaloader_index import convert
from taglens.post import Post, read_jsonl

from conftest import write_jpeg


def _xz(path: Path, data: dict) -> None:
    path.write_bytes(lzma.compress(json.dumps(data).encode()))


def _download(root: Path) -> Path:
    """posts/#datafeminism (a hashtag target) and posts/someone (a profile with its profile file)."""
    tag, feed = root / "posts" / "#datafeminism", root / "posts" / "someone"
    tag.mkdir(parents=True)
    feed.mkdir()
    # a carousel with no caption: three photos, metadata with alt text per photo, no .txt
    stem = "2019-12-27_16-31-47_UTC"
    for i, colour in enumerate([(200, 0, 0), (0, 200, 0), (0, 0, 200)], start=1):
        write_jpeg(feed / f"{stem}_{i}.jpg", colour)
    children = [{"node": {"accessibility_caption": f"May be an image of photo {i}"}} for i in (1, 2, 3)]
    _xz(feed / f"{stem}.json.xz", {"node": {"__typename": "GraphSidecar", "shortcode": "CAROUSEL1",
                                            "edge_sidecar_to_children": {"edges": children}}})
    # a ten-photo carousel: _10 must come after _2
    many = "2020-01-01_10-00-00_UTC"
    for i in range(1, 11):
        write_jpeg(feed / f"{many}_{i}.jpg", (i * 20, 0, 0))
    # a plain post with a caption, in the hashtag folder; metadata as plain .json
    plain = "2021-03-01_09-00-00_UTC"
    write_jpeg(tag / f"{plain}.jpg")
    (tag / f"{plain}.txt").write_text("Reading group tonight #DataFeminism #books", encoding="utf-8")
    (tag / f"{plain}.json").write_text(json.dumps({"node": {"shortcode": "PLAIN1", "is_video": False}}))
    # the profile's own files and odd ones: none of them is a post
    _xz(feed / "someone_4224766548.json.xz", {"node": {"username": "someone", "biography": "hi"}})
    write_jpeg(feed / "2020-04-06_17-58-27_UTC_profile_pic.jpg")
    (feed / ".DS_Store").write_bytes(b"\0\1\2")
    (feed / "notes.txt").write_text("not instaloader's")
    (feed / "id").write_text("4224766548")
    return root


def test_recursive_import_carousel_without_caption_and_profile(tmp_path):
    root = _download(tmp_path / "dl")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "instaloader", root)
        assert report.errors == [] and report.added == 3
        posts = {p.id: p for p in corpus.iter_posts()}
    carousel = posts["instagram:CAROUSEL1"]
    assert carousel.text == "" and carousel.hashtags == []
    assert len(carousel.images) == 3
    assert carousel.meta["target"] == "posts/someone" and carousel.meta["profile"] == "someone"
    assert carousel.meta["typename"] == "GraphSidecar"
    assert carousel.meta["accessibility_caption"] == [f"May be an image of photo {i}" for i in (1, 2, 3)]
    plain = posts["instagram:PLAIN1"]
    assert plain.hashtags == ["#DataFeminism", "#books"] and plain.meta["target"] == "posts/#datafeminism"
    assert "profile" not in plain.meta


def test_carousel_order_is_numeric_and_reader_keeps_paths(tmp_path):
    root = _download(tmp_path / "dl")
    rows = [item for _, item in read_instaloader(root)]
    many = next(p for p in rows if isinstance(p, Post) and len(p.images) == 10)
    assert [Path(p).name.rsplit("_", 1)[1] for p in many.images] == [f"{i}.jpg" for i in range(1, 11)]
    assert many.id == "instagram:2020-01-01_10-00-00_UTC"  # no metadata: the stem is the id


def test_caption_from_metadata_when_there_is_no_txt(tmp_path):
    folder = tmp_path / "dl"
    folder.mkdir()
    stem = "2022-05-05_05-05-05_UTC"
    write_jpeg(folder / f"{stem}.jpg")
    _xz(folder / f"{stem}.json.xz", {"node": {"shortcode": "META1", "edge_media_to_caption": {
        "edges": [{"node": {"text": "From the metadata #sea"}}]}}})
    post = next(item for _, item in read_instaloader(folder))
    assert post.text == "From the metadata #sea" and post.hashtags == ["#sea"]


def test_hostile_files_are_reported_and_the_rest_kept(tmp_path):
    folder = tmp_path / "dl"
    folder.mkdir()
    stem = "2022-06-06_06-06-06_UTC"
    write_jpeg(folder / f"{stem}_1.jpg")
    (folder / f"{stem}_2.jpg").write_bytes(b"<html>rate limited</html>")  # a saved error page
    (folder / f"{stem}.txt").write_text("Two photos, one broken #x", encoding="utf-8")
    bad = "2022-07-07_07-07-07_UTC"
    (folder / f"{bad}.txt").write_bytes(b"\xff\xfe caption in latin-1 \xe9")
    write_jpeg(folder / f"{bad}.jpg")
    empty = "2022-08-08_08-08-08_UTC"
    (folder / f"{empty}.jpg").write_bytes(b"")
    outside = tmp_path / "secret.jpg"
    write_jpeg(outside)
    os.symlink(outside, folder / "2022-09-09_09-09-09_UTC.jpg")  # never followed out of the folder
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = import_posts(corpus, "instaloader", folder)
        posts = list(corpus.iter_posts())
    assert report.added == 1 and len(posts) == 1 and len(posts[0].images) == 1
    text = " | ".join(report.errors)
    assert "not an image or video" in text and "not UTF-8" in text and "no readable picture" in text
    assert len(report.errors) == 3


def test_instaloader_index_converts_to_taglens_jsonl(tmp_path):
    data = tmp_path / "set"
    (data / "images").mkdir(parents=True)
    write_jpeg(data / "images" / "AbC_1.jpg")
    rows = [
        {"image": "images/AbC_1.jpg", "shortcode": "AbC_1", "caption": "Cloud chasing #vape",
         "hashtags": ["vape", "vapelife"], "query_hashtags": ["vapelife"],
         "accessibility_caption": "May be an image of a vape", "likes": 3, "extra": "ignored"},
        {"image": "images/missing.jpg", "shortcode": "Gone", "caption": "x", "hashtags": []},
        "not an object",
    ]
    (data / "index.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    out = tmp_path / "out" / "posts.jsonl"
    out.parent.mkdir()
    written, errors = convert(data / "index.jsonl", out)
    assert written == 1 and len(errors) == 3 and "line 2" in errors[0] and "not found" in errors[0]
    (_, post), = list(read_jsonl(out))
    assert post.id == "instagram:AbC_1" and post.hashtags == ["#vape", "#vapelife"]
    assert Path(post.images[0]).resolve() == (data / "images" / "AbC_1.jpg").resolve()
    assert post.meta["accessibility_caption"] == ["May be an image of a vape"]
    assert post.meta["query_hashtags"] == ["vapelife"] and "extra" not in post.meta
    with Corpus(tmp_path / "c.sqlite") as corpus:  # the converted file is what `taglens import jsonl` reads
        report = import_posts(corpus, "jsonl", out)
        assert report.added == 1 and report.errors == []
        assert len(next(corpus.iter_posts()).images) == 1

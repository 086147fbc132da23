"""The one Post type and its JSONL form."""

from __future__ import annotations

import io
import json

import pytest

from taglens.errors import InputError
from taglens.post import Post, read_jsonl, write_jsonl


def test_round_trip_through_jsonl(tmp_path):
    post = Post(id="p1", text="sunset ☀️ at the pier", hashtags=["#Travel"], images=["/abs/pier.jpg"],
                video=None, topic="travel", source="test", meta={"likes": 3})
    buf = io.StringIO()
    write_jsonl([post], buf)
    line = buf.getvalue()
    assert json.loads(line) == {"id": "p1", "text": "sunset ☀️ at the pier", "hashtags": ["#Travel"],
                                "images": ["/abs/pier.jpg"], "video": None, "topic": "travel",
                                "source": "test", "meta": {"likes": 3}}
    path = tmp_path / "p.jsonl"
    path.write_text(line, encoding="utf-8")
    [(line_no, again)] = list(read_jsonl(path))
    assert line_no == 1 and again == post


def test_relative_media_paths_resolve_against_the_file(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"id": "a", "images": ["img/a.jpg"], "video": "v.mp4"}) + "\n")
    [(_, post)] = list(read_jsonl(path))
    assert post.images == [str(tmp_path / "img" / "a.jpg")] and post.video == str(tmp_path / "v.mp4")


@pytest.mark.parametrize("data,needle", [
    ([], "JSON object"),
    ({"text": 3}, "'text' must be a string"),
    ({"hashtags": 5}, "'hashtags' must be a list"),
    ({"hashtags": [5]}, "must hold strings"),
    ({"hashtags": "#a #123"}, "not a hashtag: '#123'"),
    ({"hashtags": ["#1"]}, "not a hashtag"),
    ({"images": [1]}, "'images' must be a list"),
    ({"video": 5}, "'video'"),
    ({"colour": "red"}, "unknown field"),
])
def test_bad_posts_name_the_problem(data, needle):
    with pytest.raises(InputError, match=needle):
        Post.from_dict(data)


def test_hashtags_are_normalised_to_display_form():
    post = Post.from_dict({"hashtags": ["sunset", "#Beach", " #sea "]})
    assert post.hashtags == ["#sunset", "#Beach", "#sea"]
    assert post.tag_keys == ["sunset", "beach", "sea"]


def test_all_tag_keys_include_caption_tags_once():
    post = Post(text="so #Blue #sea", hashtags=["#sea", "#sky"])
    assert post.all_tag_keys() == ["sea", "sky", "blue"]


def test_the_post_type_validates_once_for_every_interface():
    """Issue 17 #14: Python, JSONL, the CLI and the API accept and refuse the same tags."""
    with pytest.raises(InputError, match="not a hashtag"):
        Post(hashtags=["#123"])
    with pytest.raises(InputError, match="'images' must be a list"):
        Post(images="a.jpg")
    with pytest.raises(InputError, match="'text' must be a string"):
        Post(text=None)
    assert Post(hashtags="#sunset #beach, sea").hashtags == ["#sunset", "#beach", "#sea"]
    assert Post.from_dict({"hashtags": "#sunset"}).hashtags == ["#sunset"]  # as the API takes it
    assert Post(hashtags=["sunset", "＃Café"]).hashtags == ["#sunset", "#Café"]

"""Issue 17 #1: a post with nothing usable gets no hashtags and a reason, in every interface.

Popular tags fill in only when asked for (`fallback="popular"`, `--fallback popular`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serve_toy import image_bytes, toy_recommender

from taglens.batch.core import make_settings, score_chunk
from taglens.errors import InputError
from taglens.post import Post
from taglens.recommend.grounds import caption_has_words, nothing_to_go_on
from taglens.query import Query
from taglens.serve import create_app


@pytest.fixture(scope="module")
def rec():
    return toy_recommender()


def taglens(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taglens", *args], input=stdin, capture_output=True,
                          timeout=180, cwd=cwd)


@pytest.mark.parametrize("text,words", [
    ("🙂🙂🙂", False), ("", False), ("   ", False), ("@bob https://t.co/x", False), ("&amp; 🙂", False),
    ("pizza 🙂", True), ("2019", True), ("🙂 @ Santa Monica Pier", True), ("café", True),
])
def test_caption_has_words(text, words):
    assert caption_has_words(text) is words


@pytest.mark.parametrize("post", [Post(id="e", text="🙂🙂🙂"), Post(id="f"), Post(id="u", text="@bob https://x.co")])
def test_nothing_to_go_on_gives_no_tags_and_says_why(rec, post):
    prediction = rec.suggest(post, k=5)
    assert prediction.hashtags == []
    assert len(prediction.warnings) == 1 and prediction.warnings[0].startswith("nothing to go on: ")
    assert prediction.to_dict() == {"id": post.id, "hashtags": [], "warnings": prediction.warnings}


def test_popular_fills_in_only_when_asked(rec):
    post = Post(id="e", text="🙂🙂🙂")
    popular = rec.suggest(post, k=3, fallback="popular")
    assert [s.key for s in popular.hashtags] == ["food", "beach", "sea"]  # the toy corpus's most frequent
    assert all(s.evidence == ["popularity"] for s in popular.hashtags)
    assert "popular" in popular.warnings[0]
    with pytest.raises(InputError, match="unknown fallback"):
        rec.suggest(post, fallback="random")


def test_a_post_with_something_is_served_as_before(rec):
    for post in (Post(text="pizza"), Post(hashtags=["#beach"]), Post(text="🙂", hashtags=["#beach"])):
        prediction = rec.suggest(post, k=3)
        assert len(prediction.hashtags) == 3 and not prediction.warnings


def test_unreadable_pictures_are_not_something_to_go_on():
    query = Query.from_post(Post(images=["x.jpg"]))
    query.cache["image:efficientnet"] = None  # the image scorers could read none of them
    assert "no picture could be read" in nothing_to_go_on(query, has_image_scorers=True)
    assert "cannot read pictures" in nothing_to_go_on(query, has_image_scorers=False)


def test_cli_one_post_exits_1_with_the_reason(tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_text("this is a text file")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    proc = taglens("suggest", "--image", str(fake), "--image", str(empty), "--caption", "🙂🙂🙂")
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b"", err
    assert "Traceback" not in err and "nothing to go on" in err and "notes.jpg" in err
    proc = taglens("suggest", "--caption", "🙂🙂🙂", "--fallback", "popular", "-k", "3", "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and len(data["hashtags"]) == 3
    assert all(h["evidence"] == ["popularity"] for h in data["hashtags"])


def test_cli_jsonl_keeps_one_line_per_post(tmp_path):
    lines = [json.dumps({"id": "a", "text": "pasta night"}), json.dumps({"id": "f"}), "{broken",
             json.dumps({"id": "e", "text": "🙂🙂🙂"}), json.dumps({"id": "b", "hashtags": ["#beach"]})]
    proc = taglens("suggest", "--jsonl", "-", "-k", "3", stdin=("\n".join(lines) + "\n").encode())
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", "f", "e", "b"] and proc.returncode == 1
    assert out[1] == {"id": "f", "hashtags": [], "warnings": [out[1]["warnings"][0]]}
    assert out[1]["warnings"][0].startswith("nothing to go on") and out[2]["hashtags"] == []
    assert len(out[0]["hashtags"]) == 3 and len(out[3]["hashtags"]) == 3
    assert proc.stderr.decode().count("skipped") == 1  # only the line that cannot be parsed


def test_batch_worker_honours_the_fallback(tmp_path):
    posts = [Post(id="f"), Post(id="p", text="pizza night")]
    for fallback, empty in (("none", True), ("popular", False)):
        settings = make_settings(None, k=3, banned=None, allow_banned=False, platform=None, camel=False,
                                 fallback=fallback)
        assert score_chunk(settings, str(tmp_path), 0, posts) == 2
        out = [json.loads(line) for line in (tmp_path / "chunk-00000000.jsonl").read_text().splitlines()]
        assert [o["id"] for o in out] == ["f", "p"]
        assert (out[0]["hashtags"] == []) is empty and out[0]["warnings"][0].startswith("nothing to go on")
        assert len(out[1]["hashtags"]) == 3
    with pytest.raises(InputError):
        make_settings(None, k=3, banned=None, allow_banned=False, platform=None, camel=False, fallback="x")


def test_api_answers_200_with_an_empty_list_and_the_warning(rec, tmp_path):
    client = TestClient(create_app(rec, upload_dir=tmp_path), raise_server_exceptions=False)
    response = client.post("/v1/suggest", json={"caption": "🙂🙂🙂"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["hashtags"] == [] and body["warnings"][0].startswith("nothing to go on")
    popular = client.post("/v1/suggest", json={"caption": "🙂🙂🙂", "fallback": "popular", "k": 2}).json()
    assert [h["tag"] for h in popular["hashtags"]] == ["#food", "#beach"]
    form = client.post("/v1/suggest", data={"caption": "🙂", "fallback": "popular", "k": "2"},
                       files=[("images", ("p.jpg", image_bytes(), "image/jpeg"))]).json()
    assert len(form["hashtags"]) == 2
    bad = client.post("/v1/suggest", json={"caption": "x", "fallback": "random"})
    assert bad.status_code == 422 and "fallback" in bad.json()["message"]

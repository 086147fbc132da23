"""Platform limits, reach tiers, `suggest --platform`, and `taglens serve` on a real port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import toy_posts
from serve_toy import CONFIG, toy_recommender

from taglens.errors import InputError
from taglens.models.base import Vocab
from taglens.post import Post
from taglens.recommend import Recommender
from taglens.recommend.platforms import AS_OF, PLATFORMS, get_platform, platform_table
from taglens.recommend.reach import reach_tier, vocab_reach


def test_the_table_has_the_current_rules() -> None:
    assert PLATFORMS["instagram"].limit == 5 == PLATFORMS["instagram"].hard_limit
    assert "30" in PLATFORMS["instagram"].note and "December 2025" in PLATFORMS["instagram"].note
    assert PLATFORMS["threads"].limit == 1
    assert set(PLATFORMS) == {"instagram", "tiktok", "x", "threads", "linkedin", "pinterest", "mastodon"}
    for p in PLATFORMS.values():
        assert p.limit >= 1 and (p.hard_limit is None or p.limit <= p.hard_limit) and p.note
    assert platform_table()["as_of"] == AS_OF


def test_get_platform() -> None:
    assert get_platform(" Instagram ") is PLATFORMS["instagram"]
    assert get_platform(None) is None and get_platform("") is None and get_platform("any") is None
    with pytest.raises(InputError, match="unknown platform 'myspace'"):
        get_platform("myspace")


def test_recommender_trims_to_the_platform() -> None:
    rec = toy_recommender()
    post = Post(text="dinner", hashtags=["#food"])
    full = rec.suggest(post, k=8).hashtags
    assert len(full) == 8
    insta = rec.suggest(post, k=8, platform="instagram").hashtags
    assert [s.key for s in insta] == [s.key for s in full[:5]]  # best-first, then cut
    assert len(rec.suggest(post, k=8, platform="threads").hashtags) == 1
    assert len(rec.suggest(post, k=3, platform="instagram").hashtags) == 3  # k below the limit wins
    assert len(rec.suggest(post, k=8, platform="pinterest", max_tags=2).hashtags) == 2
    with pytest.raises(InputError):
        rec.suggest(post, platform="myspace")


def test_reach_tiers() -> None:
    assert reach_tier(1000, 10_000) == "broad"      # 10%
    assert reach_tier(100, 10_000) == "broad"       # exactly 1%
    assert reach_tier(99, 10_000) == "medium"
    assert reach_tier(10, 10_000) == "medium"       # 0.1%
    assert reach_tier(9, 10_000) == "niche"
    assert reach_tier(0, 10_000) == "niche" and reach_tier(5, 0) == "niche"


def test_reach_comes_from_the_models_corpus() -> None:
    vocab = Vocab(["big", "mid", "tiny"], ["#big", "#mid", "#tiny"], [500, 20, 2])
    vocab.total_posts = 10_000
    assert [vocab_reach(vocab, k) for k in ("big", "mid", "tiny", "unseen")] == \
        ["broad", "medium", "niche", "niche"]
    rec = toy_recommender()
    for s in rec.suggest(Post(hashtags=["#food"]), k=5).hashtags:
        assert s.reach == reach_tier(rec.vocab.count(s.key), rec.vocab.total_posts)
        assert s.to_dict()["reach"] == s.reach


def test_spam_tags_are_filtered_by_default() -> None:
    posts = toy_posts() + [Post(id=f"s{i}", text="", hashtags=["#food", "#like4like"]) for i in range(5)]
    rec = Recommender.train(posts, CONFIG)
    keys = [s.key for s in rec.suggest(Post(hashtags=["#food"]), k=10).hashtags]
    assert "like4like" not in keys
    allowed = rec.suggest(Post(hashtags=["#food"]), k=10, allow_banned=True, allow="junk").hashtags
    assert "like4like" in [s.key for s in allowed]  # junk too is opt-in (recommend/grounding.py)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taglens", *args], capture_output=True, timeout=120)


def test_cli_suggest_platform() -> None:
    proc = run_cli("suggest", "--caption", "beach day", "--tag", "#travel", "-k", "10",
                   "--platform", "threads", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["hashtags"]) == 1
    bad = run_cli("suggest", "--caption", "x", "--platform", "myspace")
    assert bad.returncode == 2 and "unknown platform" in bad.stderr.decode()
    assert "Traceback" not in bad.stderr.decode()


@pytest.mark.parametrize("args,needle", [
    (["--max-images", "-1"], "max_images"),
    (["--port", "70000"], "--port"),
    (["--model", "/nowhere/model"], "no model"),
])
def test_cli_serve_user_errors(args: list[str], needle: str) -> None:
    proc = run_cli("serve", *args)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and needle in err and "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_taglens_serve_answers_on_localhost() -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "taglens", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.time() < deadline, "taglens serve did not answer within 60 s"
                time.sleep(0.2)
        assert health["status"] == "ok" and health["model"] == "default"
        request = urllib.request.Request(base + "/v1/suggest", method="POST",
                                         data=json.dumps({"caption": "x", "hashtags": ["#sunset"]}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            assert len(json.load(r)["hashtags"]) == 10
    finally:
        proc.terminate()
        proc.wait(timeout=20)

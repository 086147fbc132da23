"""`taglens collect` end to end on the local source (no network)."""

from __future__ import annotations

import json
import re

from collect_fakes import TRAVEL_SEEDS, FakeMastodon, png, status_ids, travel_world
from taglens.cli import main
from taglens.corpus import Corpus


def write_dump(folder, posts):
    path = folder / "dump.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in posts), encoding="utf-8")
    return path


def test_collect_local_with_a_seeds_file_widens_and_labels(tmp_path, capsys):
    (tmp_path / "a.png").write_bytes(png(3))
    dump = write_dump(tmp_path, [
        {"id": "1", "text": "sand #beach #beachlife", "images": ["a.png"]},
        {"id": "2", "text": "waves #beach #beachlife"},
        {"id": "3", "text": "only the second round finds me #beachlife"},
        {"id": "4", "text": "unrelated #crypto"},
    ])
    seeds = tmp_path / "seeds.toml"
    seeds.write_text('[topics.seaside]\ndescription = "beaches and the sea"\nseeds = ["#beach"]\n', encoding="utf-8")
    db = tmp_path / "c.sqlite"
    args = ["collect", "--seeds", str(seeds), "--source", "local", "--path", str(dump), "--db", str(db),
            "--target-posts", "10", "--max-rounds", "3", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "posts per topic: seaside 3" in out and "#beachlife" in out
    assert re.search(r"expansion: \d+ of \d+ proposed hashtags returned posts", out)  # issue 17 #7
    with Corpus(db) as corpus:
        posts = {p.id: p for p in corpus.iter_posts()}
    assert set(posts) == {"1", "2", "3"} and {p.topic for p in posts.values()} == {"seaside"}
    assert len(posts["1"].images) == 1

    assert main(args) == 0  # resumable and idempotent: a second run adds nothing
    assert "this run: 0 posts added" in capsys.readouterr().out


def test_collect_uses_the_default_seeds_when_none_are_given(tmp_path, capsys):
    dump = write_dump(tmp_path, [{"id": "k1", "text": "tiny paws #kitten"}, {"id": "t1", "text": "#solotravel"}])
    db = tmp_path / "c.sqlite"
    assert main(["collect", "--source", "local", "--path", str(dump), "--db", str(db),
                 "--target-posts", "1", "--max-rounds", "1", "--quiet"]) == 0
    with Corpus(db) as corpus:
        assert {p.id: p.topic for p in corpus.iter_posts()} == {"k1": "pets", "t1": "travel"}
    assert "stopped:" in capsys.readouterr().out


def test_collect_reports_user_errors_in_one_line(tmp_path, capsys):
    db = str(tmp_path / "c.sqlite")
    assert main(["collect", "--source", "mastodon", "--db", db]) == 2
    assert "--instance is required" in capsys.readouterr().err
    assert main(["collect", "--source", "local", "--db", db]) == 2
    assert "--path is required" in capsys.readouterr().err
    assert main(["collect", "--source", "local", "--path", "x", "--db", db, "--target-posts", "0"]) == 2
    assert "--target-posts must be at least 1" in capsys.readouterr().err
    assert main(["collect", "--source", "local", "--path", str(tmp_path / "none.jsonl"), "--db", db]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_collect_from_a_mastodon_server(httpserver, tmp_path, capsys):
    fake = FakeMastodon(httpserver.url_for("").rstrip("/"))
    travel_world(fake)
    httpserver.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    seeds = tmp_path / "seeds.toml"
    seeds.write_text(TRAVEL_SEEDS, encoding="utf-8")
    db = tmp_path / "c.sqlite"
    assert main(["collect", "--seeds", str(seeds), "--source", "mastodon", "--instance", fake.base,
                 "--db", str(db), "--interval", "0", "--target-posts", "4", "--max-rounds", "1", "--quiet"]) == 0
    assert "posts per topic: travel 5" in capsys.readouterr().out  # the page that crossed 4 is kept whole
    with Corpus(db) as corpus:
        assert sorted(status_ids(corpus)) == ["101", "102", "103", "104", "105"]
    assert fake.log[0] == "/robots.txt?" and "limit=40" in fake.log[1]


def test_one_list_of_topic_names_everywhere():
    """Issue 17 #6: the shipped seeds, both classifiers and the README name the same 8 topics."""
    from pathlib import Path

    from taglens.collect import load_seeds
    from taglens.text import topics as text_topics
    from taglens.topics import TOPICS
    from taglens.vision import topic as image_topics

    assert TOPICS == ("pets", "art", "jewellery", "food", "travel", "architecture", "babies", "nature")
    assert tuple(t.name for t in load_seeds().topics) == TOPICS
    assert text_topics.TOPICS is TOPICS and image_topics.TOPICS is TOPICS
    readme = Path(__file__).resolve().parents[1] / "README.md"
    if readme.is_file():
        assert ", ".join(TOPICS[:-1]) + " and " + TOPICS[-1] in " ".join(readme.read_text().split())

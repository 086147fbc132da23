"""The CLI: thin commands, one-line errors, no tracebacks for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from taglens.cli import main


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taglens", *args], input=stdin,
                          capture_output=True, timeout=120)


def assert_one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert needle in err


@pytest.mark.parametrize("args,needle", [
    (["suggest"], "give a --caption"),
    (["suggest", "--jsonl", "missing.jsonl"], "no such file"),
    (["suggest", "--caption", "x", "--tag", "#123"], "not a hashtag"),
    (["suggest", "--caption", "x", "--image", "nope.jpg"], "no such file"),
    (["suggest", "--caption", "x", "-k", "0"], "-k must be"),
    (["suggest", "--caption", "x", "--model", "nowhere"], "no model"),
    (["import", "csv", "x", "--db", "c.sqlite"], "invalid choice"),
    (["corpus", "stats", "--db", "missing.sqlite"], "no corpus"),
    (["train", "--db", "missing.sqlite", "--out", "m"], "no corpus"),
    (["frobnicate"], "invalid choice"),
])
def test_user_errors_are_one_line(tmp_path, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "taglens", *args], capture_output=True,
                          timeout=120, cwd=tmp_path)
    assert_one_line_error(proc, needle)


def test_suggest_jsonl_keeps_order_and_skips_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "one", "text": "dinner", "hashtags": ["#food"]}),
        "{broken",
        json.dumps({"id": "two", "text": "waves", "hashtags": ["#beach"]}),
        json.dumps({"id": "three", "text": "", "hashtags": ["#sunset", "#sea"]}),
    ]
    proc = run("suggest", "--jsonl", "-", "-k", "5", stdin=("\n".join(lines) + "\n").encode())
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["one", "two", "three"]
    assert "line 2: bad JSON" in proc.stderr.decode() and proc.returncode == 1
    for o, given in zip(out, [{"food"}, {"beach"}, {"sunset", "sea"}]):
        tags = [h["tag"].lstrip("#").lower() for h in o["hashtags"]]
        assert len(tags) == 5 and not given & set(tags)
        assert all(set(h) >= {"tag", "score", "evidence"} for h in o["hashtags"])


def test_suggest_json_for_one_post():
    proc = run("suggest", "--caption", "pasta night", "--tag", "#food", "-k", "3", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    assert len(data["hashtags"]) == 3 and "#food" not in [h["tag"] for h in data["hashtags"]]


def test_import_stats_export_train_and_suggest(tmp_path, jsonl_file, capsys):
    db, model = tmp_path / "c.sqlite", tmp_path / "model"
    assert main(["import", "jsonl", str(jsonl_file), "--db", str(db)]) == 0
    assert "added 10" in capsys.readouterr().out
    assert main(["import", "jsonl", str(jsonl_file), "--db", str(db)]) == 0
    assert "added 0, already present 10" in capsys.readouterr().out
    assert main(["corpus", "stats", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["posts"] == 10
    out = tmp_path / "export.jsonl"
    assert main(["corpus", "export", "--db", str(db), "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 10
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"vocab": {"min_count": 1}, "scorers": [{"name": "cooccurrence"}],
                                  "combiner": {"type": "weighted", "weights": {"cooccurrence": 1}}}))
    assert main(["train", "--db", str(db), "--out", str(model), "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["suggest", "--tag", "#pasta", "--model", str(model), "--json", "-k", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["hashtags"][0]["tag"] == "#food"


def test_demo_prints_suggestions_for_samples():
    proc = run("demo")
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    assert "sunset-pier" in text and text.count("\n  #") >= 10
    cat = text.split("cat-photo:")[1].split("\n\n")[0]
    assert "#cat" in cat and "image" in cat  # the bundled photo is served through the image path


def test_non_utf8_jsonl_is_reported(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "a", "text": "caf\xe9", "hashtags": ["#x"]}\n'.encode("latin-1"))
    proc = run("suggest", "--jsonl", str(path))
    assert "line 1: not UTF-8" in proc.stderr.decode() and "Traceback" not in proc.stderr.decode()


def test_suggest_camel_case_display(capsys):
    assert main(["suggest", "--caption", "golden hour at the pier", "--camel", "--json", "-k", "5"]) == 0
    hashtags = json.loads(capsys.readouterr().out)["hashtags"]
    for h in hashtags:
        # the display is the same tag (same letters), each word capitalised
        assert h["display"].lower() == h["tag"].lower() and h["display"][1].isupper()
    assert any(sum(c.isupper() for c in h["display"]) >= 2 for h in hashtags)

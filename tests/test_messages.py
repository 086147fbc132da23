"""Issue 17 #16: messages a new user meets are whole, specific and right."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taglens.errors import InputError
from taglens.post import read_jsonl


def taglens(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # this tree, from any cwd
    return subprocess.run([sys.executable, "-m", "taglens", *args], capture_output=True, timeout=180, cwd=cwd,
                          env=env)


def test_bad_json_names_the_line_and_column_in_words(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "ok"}\n{"id": "a", "text": "tab\there"}\n{"id": \n', encoding="utf-8")
    errors = [str(item) for _, item in read_jsonl(path) if isinstance(item, InputError)]
    assert errors[0].startswith("line 2: bad JSON at column 25: invalid control character")
    assert "\\t" in errors[0] and not errors[0].endswith(" at")
    assert errors[1].startswith("line 3: bad JSON at column 9: expecting value")


@pytest.mark.parametrize("args,needle", [
    (["suggest", "--image", "."], ". is a folder, not a file"),
    (["suggest", "--video", "/dev/null"], "/dev/null is not a regular file"),
    (["import", "jsonl", "/dev/null", "--db", "c.sqlite"], "/dev/null is not a regular file"),
    (["import", "jsonl", ".", "--db", "c.sqlite"], ". is a folder, not a file"),
    (["batch", ".", "--out", "o.jsonl"], ". is a folder, not a file"),
])
def test_a_folder_or_a_device_is_not_called_missing(tmp_path, args, needle):
    proc = taglens(*args, cwd=tmp_path)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2 and len(err.splitlines()) == 1 and needle in err, err
    assert "no such file" not in err


def test_a_broken_video_says_why_in_words(tmp_path):
    from taglens.vision.video import sample_frames

    broken = tmp_path / "clip.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 2)
    with pytest.raises(InputError) as caught:
        sample_frames(broken)
    message = str(caught.value)
    assert message.startswith(f"{broken}: not a readable video (")
    assert "Errno" not in message and "1094995529" not in message and message.count(str(broken)) == 1


def test_serve_on_a_busy_port_says_so_before_loading_the_model():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        proc = taglens("serve", "--port", str(port))
        took = time.monotonic() - started
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2 and err == (f"taglens: error: port {port} is in use on 127.0.0.1: "
                                            "stop what is listening there, or pick another with --port")
    assert b"serving model" not in proc.stdout and took < 60


def test_train_without_topic_lists_says_so_once_in_words(tmp_path):
    """Issue 17 #17: one line, in words, with what the user can do; not Python warnings with source lines."""
    import json

    from conftest import toy_posts

    (tmp_path / "posts.jsonl").write_text("".join(p.to_json() + "\n" for p in toy_posts()), encoding="utf-8")
    config = {"vocab": {"min_count": 1}, "scorers": [{"name": "popularity"}, {"name": "topic"}],
              "combiner": {"type": "weighted", "weights": {"popularity": 1.0, "topic": 1.0}},
              "crossfit_folds": 0}
    (tmp_path / "cfg.json").write_text(json.dumps(config), encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()  # no ../shared next to the working folder
    assert taglens("import", "jsonl", "../posts.jsonl", "--db", "c.sqlite", cwd=work).returncode == 0
    env_shared = os.environ.get("TAGLENS_SHARED")
    os.environ["TAGLENS_SHARED"] = str(tmp_path / "nowhere")
    try:
        proc = taglens("train", "--db", "c.sqlite", "--out", "m", "--config", "../cfg.json", cwd=work)
        proc_twice = taglens("train", "--db", "c.sqlite", "--db", "c.sqlite", "--out", "m2",
                             "--config", "../cfg.json", cwd=work)
    finally:
        if env_shared is None:
            os.environ.pop("TAGLENS_SHARED")
        else:
            os.environ["TAGLENS_SHARED"] = env_shared
    for run in (proc, proc_twice):
        err = run.stderr.decode()
        assert run.returncode == 0, err
        notes = [line for line in err.splitlines() if "hashtag lists" in line]
        assert len(notes) == 1 and notes[0].startswith("taglens: note: the per-topic hashtag lists were not found")
        assert "TAGLENS_TOPIC_LISTS" in notes[0] and "UserWarning" not in err and "topics.py" not in err

"""`taglens batch`: same predictions as suggest_many, in order, bad lines reported, resumable after a kill."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taglens.batch import suggest_file
from taglens.cli.suggest import sample_posts
from taglens.errors import InputError
from taglens.post import Post, read_jsonl


def write_posts(path: Path, copies: int, bad_every: int = 0) -> list[Post]:
    """The bundled sample posts `copies` times (unique ids); a bad line after every `bad_every` posts."""
    posts = []
    lines = []
    for r in range(copies):
        for p in sample_posts():
            data = p.to_dict()
            data["id"] = f"{p.id}-{r}"
            data["images"] = []  # text only: keeps the run fast
            data["video"] = None
            lines.append(json.dumps(data))
            posts.append(Post.from_dict(data))
            if bad_every and len(posts) % bad_every == 0:
                lines.append("{not json" if len(posts) % (2 * bad_every) else json.dumps({"id": 3, "hashtags": ["#123"]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return posts


def sequential(posts: list[Post], **options) -> list[dict]:
    from taglens.recommend import Recommender

    return [p.to_dict() for p in Recommender.load().suggest_many(posts, **options)]


def read_out(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def bad_line_numbers(path: Path) -> list[int]:
    return [n for n, item in read_jsonl(path) if isinstance(item, InputError)]


def test_two_workers_match_suggest_many_in_order_and_report_bad_lines(tmp_path):
    src = tmp_path / "posts.jsonl"
    posts = write_posts(src, copies=6, bad_every=10)
    errors: list[str] = []
    result = suggest_file(None, src, tmp_path / "out.jsonl", k=7, workers=2, chunk_size=4,
                          on_error=lambda e: errors.append(str(e)))
    assert result.posts == len(posts) == 42 and result.chunks == 11 and result.errors == 4
    assert read_out(tmp_path / "out.jsonl") == sequential(posts, k=7)
    expected = bad_line_numbers(src)
    assert [int(e.split(":")[0].removeprefix("line ")) for e in errors] == expected == [11, 22, 33, 44]
    assert "bad JSON" in errors[0] and "not a hashtag: '#123'" in errors[1]
    assert not (tmp_path / "out.jsonl.parts").exists()  # merged and cleaned up


def test_cli_shards_camel_and_exit_code(tmp_path):
    src = tmp_path / "posts.jsonl"
    posts = write_posts(src, copies=2, bad_every=5)
    out = tmp_path / "shards"
    proc = subprocess.run([sys.executable, "-m", "taglens", "batch", str(src), "--out", str(out), "--shards",
                           "--chunk-size", "5", "-k", "4", "--camel"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1  # bad lines were skipped, as `suggest --jsonl` reports
    assert "taglens: skipped line 6: bad JSON" in proc.stderr and "14 posts in 3 chunks" in proc.stderr
    manifest = json.loads((out / "batch.json").read_text())
    assert manifest["complete"] and manifest["posts"] == 14 and manifest["errors"] == 2
    lines = [json.loads(line) for name in manifest["chunks"] for line in (out / name).read_text().splitlines()]
    expected = sequential(posts, k=4)
    assert [o["id"] for o in lines] == [p.id for p in posts]
    assert [[h["tag"] for h in o["hashtags"]] for o in lines] == [[h["tag"] for h in o["hashtags"]] for o in expected]
    assert all(h["display"].startswith("#") for o in lines for h in o["hashtags"])


def test_kill_midway_then_resume_equals_uninterrupted_run(tmp_path):
    src = tmp_path / "posts.jsonl"
    write_posts(src, copies=30, bad_every=50)  # 210 posts, 42 chunks
    full = tmp_path / "full.jsonl"
    suggest_file(None, src, full, workers=2, chunk_size=5)

    out = tmp_path / "out.jsonl"
    parts = tmp_path / "out.jsonl.parts"
    proc = subprocess.Popen([sys.executable, "-m", "taglens", "batch", str(src), "--out", str(out), "-j", "2",
                             "--chunk-size", "5", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(parts.glob("chunk-*.jsonl"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.kill()  # SIGKILL the driver alone, mid-run: its workers must notice and leave
        proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_alive(proc.pid), "worker processes outlived their killed driver"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    done_before = sorted(p.name for p in parts.glob("chunk-*.jsonl"))
    assert not out.exists() and 3 <= len(done_before) < 42, "the run was not interrupted midway"

    result = suggest_file(None, src, out, workers=2, chunk_size=5)
    assert result.chunks == 42 and result.chunks_resumed >= len(done_before) and result.posts == 210
    assert out.read_bytes() == full.read_bytes()
    assert not parts.exists()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_changed_settings_are_refused_then_restart(tmp_path):
    src = tmp_path / "posts.jsonl"
    write_posts(src, copies=1)
    out = tmp_path / "shards"
    suggest_file(None, src, out, shards=True, chunk_size=3)
    (out / "chunk-00000000.jsonl").write_text("stale\n")  # proves a resumed chunk is not redone
    again = suggest_file(None, src, out, shards=True, chunk_size=3)
    assert again.chunks_resumed == again.chunks == 3
    assert (out / "chunk-00000000.jsonl").read_text() == "stale\n"
    with pytest.raises(InputError, match=r"made with -k 10 \(now 3\)\. .*--restart") as refused:
        suggest_file(None, src, out, shards=True, chunk_size=3, k=3)
    assert "another settings" not in str(refused.value)  # issue 17 #16: the option, in CLI terms
    with pytest.raises(InputError, match=r"--camel off \(now on\); --chunk-size 3 \(now 2\)"):
        suggest_file(None, src, out, shards=True, chunk_size=2, camel=True)
    redone = suggest_file(None, src, out, shards=True, chunk_size=3, k=3, restart=True)
    assert redone.chunks_resumed == 0
    assert all(len(json.loads(line)["hashtags"]) == 3 for line in (out / "chunk-00000000.jsonl").read_text().splitlines())


@pytest.mark.parametrize("kwargs, needle", [
    ({"engine": "hadoop"}, "unknown engine"),
    ({"workers": 0}, "workers must be"),
    ({"chunk_size": 0}, "chunk size"),
    ({"platform": "myspace"}, "unknown platform"),
])
def test_user_errors(tmp_path, kwargs, needle):
    src = tmp_path / "posts.jsonl"
    write_posts(src, copies=1)
    with pytest.raises(InputError, match=needle):
        suggest_file(None, src, tmp_path / "out.jsonl", **kwargs)
    with pytest.raises(InputError, match="no such file"):
        suggest_file(None, tmp_path / "missing.jsonl", tmp_path / "out.jsonl")


def test_spark_engine_local_mode(tmp_path):
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'taglens[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17+ (apt-get install -y default-jre-headless); .ci/run installs it")
    src = tmp_path / "posts.jsonl"
    posts = write_posts(src, copies=3, bad_every=8)
    errors: list[InputError] = []
    result = suggest_file(None, src, tmp_path / "out.jsonl", engine="spark", workers=2, chunk_size=8,
                          on_error=errors.append)
    assert result.posts == 21 and result.chunks == 3 and len(errors) == 2
    assert read_out(tmp_path / "out.jsonl") == sequential(posts)


def test_suggest_file_from_a_plain_script_without_a_main_guard(tmp_path):
    """Issue 17 #15: the README's snippet, pasted into a script as is, runs once and works."""
    write_posts(tmp_path / "posts.jsonl", 1)
    script = tmp_path / "plain.py"
    script.write_text(
        "import sys\n"
        "print('top-level ran', file=sys.stderr)\n"
        "from taglens.batch import suggest_file\n"
        "result = suggest_file(None, 'posts.jsonl', 'suggestions.jsonl', workers=2, k=10, chunk_size=3)\n"
        "print(result.posts)\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, timeout=300, env=env)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert err.count("top-level ran") == 1 and "bootstrapping" not in err  # the workers did not re-run it
    posts = len(sample_posts())
    assert proc.stdout.decode().split() == [str(posts)]
    assert len(read_out(tmp_path / "suggestions.jsonl")) == posts

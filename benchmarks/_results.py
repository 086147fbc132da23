"""Shared by every benchmark: write one section of benchmarks/RESULTS.md.

Each benchmark owns the block between `<!-- begin:NAME -->` and `<!-- end:NAME -->`
and rewrites only that block, so benchmarks run in any order and never clobber
each other. Every section states the machine, the date and the command.
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
ROOT = Path(__file__).resolve().parents[1]
HEADER = "# taglens benchmark results\n\nEach section is written by the script named in it; rerun that command to refresh it.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def provenance() -> str:
    command = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"*Machine:* {machine()}  \n*Date:* {date}  \n*Command:* `{command}`\n"


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section `name` of RESULTS.md."""
    block = f"<!-- begin:{name} -->\n## {title}\n\n{provenance()}\n{body.rstrip()}\n<!-- end:{name} -->"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    pattern = re.compile(rf"<!-- begin:{re.escape(name)} -->.*?<!-- end:{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def publish(name: str, title: str, body: str) -> int:
    """The end of every benchmark: its section of RESULTS.md rewritten, the same text
    printed, and the exit status 0 (`return publish(...)` from `main`)."""
    write_section(name, title, body)
    print(body)
    return 0


def paired_difference(diff, digits: int = 1) -> str:  # noqa: ANN001 - a sequence of per-post differences
    """'+m (+lo to +hi)' in points: the mean of paired per-post differences (0..1 each) and its
    percentile bootstrap 95 % interval (taglens.evaluate.metrics.bootstrap_interval)."""
    from taglens.evaluate.metrics import bootstrap_interval

    values = [float(d) for d in diff]
    lo, hi = bootstrap_interval(values)
    mean = sum(values) / len(values) if values else 0.0
    return f"{100 * mean:+.{digits}f} ({100 * lo:+.{digits}f} to {100 * hi:+.{digits}f})"


def top_keys_with(rec, posts: list, k: int, module=None, name: str = "", value=None) -> list[list[str]]:  # noqa: ANN001
    """Each post's top `k` tag keys from `rec`, with `module.name` set to `value` meanwhile (when
    `module` is given): how a benchmark runs the shipped code and the same code with one rule
    switched back, in one process."""
    if module is None:
        return [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=k)]
    shipped = getattr(module, name)
    setattr(module, name, value)
    try:
        return [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=k)]
    finally:
        setattr(module, name, shipped)


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def shared_data() -> Path | None:
    """../shared/data beside the repo (or $TAGLENS_SHARED/data), or None with a clear message."""
    root = Path(os.environ.get("TAGLENS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    data = root / "data"
    if not data.is_dir():
        print(f"skipped: no shared data at {data} (set TAGLENS_SHARED to the folder holding data/)")
        return None
    return data


def caption_posts(n: int) -> tuple[list, str]:
    """`n` text-only posts and what they are: TweetEval val captions with their hashtags
    removed, or, without ../shared, the bundled sample captions repeated (unique ids)."""
    from taglens.cli.suggest import sample_posts
    from taglens.corpus.importers import read_tweeteval
    from taglens.hashtags import remove_hashtags
    from taglens.post import Post

    data = shared_data()
    if data is not None:
        rows = read_tweeteval(data / "tweeteval-emoji" / "val_text.txt")
        posts = [Post(id=p.id, text=remove_hashtags(p.text)) for _, p in rows if isinstance(p, Post)]
        return [p for p in posts if p.text][:n], "TweetEval val captions, hashtags removed"
    print("using the bundled sample captions, repeated")
    base = [Post(id=p.id, text=p.text) for p in sample_posts()]
    posts = [Post(id=f"{p.id}-{i}", text=p.text) for i in range(n // len(base) + 1) for p in base][:n]
    return posts, "bundled sample captions, repeated"


def short_rev(rev: str) -> str:
    """`git rev-parse --short REV` of this checkout: the revision a comparison names."""
    return subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


@contextmanager
def checkout_of(rev: str) -> Iterator[Path]:
    """A detached `git worktree` of `rev` in a temporary folder, removed afterwards: the 'before'
    of a benchmark that compares this checkout with an earlier revision (its `src/` goes first on
    a child process's PYTHONPATH)."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), rev], cwd=ROOT, check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


GOLD_COLUMNS = ["A@5 before", "A@5 after", "change (paired 95 % CI)", "P@1 before", "P@1 after"]


def gold_columns(before: list[list[str]], after: list[list[str]], gold: list[set[str]] | None) -> list[str]:
    """The `GOLD_COLUMNS` cells of a before/after table row (empty without gold tags): A@5 of
    both rankings, their paired difference with its interval, P@1 of both."""
    if gold is None:
        return [""] * len(GOLD_COLUMNS)
    import numpy as np

    from taglens.evaluate.metrics import post_metrics

    b = [post_metrics(t, g) for t, g in zip(before, gold, strict=True)]
    a = [post_metrics(t, g) for t, g in zip(after, gold, strict=True)]
    return [f"{100 * np.mean([m['A@5'] for m in b]):.1f}", f"{100 * np.mean([m['A@5'] for m in a]):.1f}",
            paired_difference([y["A@5"] - x["A@5"] for x, y in zip(b, a, strict=True)]),
            f"{100 * np.mean([m['P@1'] for m in b]):.1f}", f"{100 * np.mean([m['P@1'] for m in a]):.1f}"]


def changed_example(text: str, where: str, before: list[str], after: list[str]) -> str:
    """One changed top 5 as a markdown list item: the caption, where it comes from, before and after."""
    return (f"- \"{text[:90]}\" ({where})\n  - before: `{' '.join('#' + k for k in before[:5])}`\n"
            f"  - after: `{' '.join('#' + k for k in after[:5])}`")


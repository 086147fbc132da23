"""Suggest latency for text-only posts on one core: the model vs popularity alone.

    .venv/bin/python benchmarks/speed.py [--model DIR] [--posts 300]

One post at a time (`Recommender.suggest`, k=10), as a user would call it,
after a warm-up; one thread for numpy and ONNX. The posts are TweetEval val
captions (held out), or the bundled samples when ../shared is absent. The
popularity-only baseline runs in the same process, so machine noise hits both.
Goal (issue 4): ≤ 20 ms median per text-only post.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import caption_posts, markdown_table, publish  # noqa: E402

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402


def time_per_post(rec: Recommender, posts: list[Post], warmup: int = 20) -> list[float]:
    for post in posts[:warmup]:
        rec.suggest(post, k=10)
    times = []
    for post in posts:
        start = time.perf_counter()
        rec.suggest(post, k=10)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model folder (default: the shipped default model)")
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):
        pass
    posts, source = caption_posts(args.posts)
    rec = Recommender.load(args.model)
    rows = []
    for label, system in [("popularity only (baseline)", rec.only(["popularity"])),
                          (f"model ({', '.join(s.name for s in rec.scorers)}; {rec.combiner.name})", rec)]:
        times = time_per_post(system, posts)
        q = statistics.quantiles(times, n=20)
        rows.append([label, f"{statistics.median(times):.1f}", f"{q[18]:.1f}", f"{statistics.mean(times):.1f}"])
    body = (f"{len(posts)} text-only posts ({source}), one at a time, k=10, one core, after a warm-up. "
            "Goal: ≤ 20 ms median.\n\n"
            + markdown_table(["system", "median ms", "p95 ms", "mean ms"], rows))
    return publish("speed", "Suggest latency, text-only posts", body)


if __name__ == "__main__":
    sys.exit(main())

"""`taglens batch` throughput: posts/second with 1 and 2 local workers, same run.

    .venv/bin/python benchmarks/batch.py [--posts 5000] [--repeats 3] [--chunk-size 250] [--workers 1 2]

The posts are TweetEval val captions (hashtags removed, caption only), written once to a
JSONL file; without ../shared the bundled sample captions are repeated instead. Each repeat
runs every worker count in turn (interleaved, so machine noise hits all of them) from
scratch: pool start, model load per worker, scoring, merge. Reports the median posts/s
and the ratio to 1 worker in the same run. One thread per worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import caption_posts, markdown_table, publish  # noqa: E402

from taglens.batch import suggest_file  # noqa: E402
from taglens.post import write_jsonl  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()

    posts, source = caption_posts(args.posts)
    what = f"{len(posts):,} {source}"
    rates: dict[int, list[float]] = {w: [] for w in args.workers}
    per_cpu: dict[int, list[float]] = {w: [] for w in args.workers}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="taglens-batch-bench-") as tmp:
        src = Path(tmp) / "posts.jsonl"
        with open(src, "w", encoding="utf-8") as out:
            write_jsonl(posts, out)
        for repeat in range(args.repeats):
            for workers in args.workers:
                out_path = Path(tmp) / f"out-{workers}.jsonl"
                out_path.unlink(missing_ok=True)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                result = suggest_file(args.model, src, out_path, workers=workers, chunk_size=args.chunk_size)
                seconds = time.perf_counter() - start
                assert result.posts == len(posts) and result.chunks_resumed == 0
                rates[workers].append(len(posts) / seconds)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers, joined at its end
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                per_cpu[workers].append(len(posts) / cpu)
                loads.append(os.getloadavg()[0])
                print(f"repeat {repeat + 1}: {workers} worker(s): {len(posts) / seconds:,.1f} posts/s "
                      f"({seconds:.1f} s wall, {cpu:.1f} s worker CPU)", flush=True)

    base = statistics.median(rates[args.workers[0]])
    rows = []
    for workers in args.workers:
        median = statistics.median(rates[workers])
        rows.append([workers, f"{median:,.1f}", ", ".join(f"{r:,.1f}" for r in rates[workers]),
                     f"{median / base:.2f}x", f"{statistics.median(per_cpu[workers]):,.1f}"])
    body = (
        f"{what}; `suggest_file(..., engine='local', chunk_size={args.chunk_size})`, k=10, shipped model; "
        f"end to end (pool start, one model load per worker, scoring, merge); {args.repeats} repeat(s), "
        f"worker counts interleaved. Posts per worker CPU-second (model loads included) shows what "
        f"parallelism costs apart from how many cores were free. 1-minute load average during the run: "
        f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores (the machine is shared).\n\n"
        + (f"The load average was above the {os.cpu_count()} cores (other jobs were running), so "
           "the workers competed with them for the cores and the ratio understates what more free cores give.\n\n"
           if max(loads) > (os.cpu_count() or 1) else "")
        + markdown_table(["workers", "posts/s (median)", "each repeat", f"vs {args.workers[0]} worker",
                          "posts per worker CPU-second"], rows)
    )
    return publish("batch", "taglens batch: posts/s by worker count", body)


if __name__ == "__main__":
    sys.exit(main())

"""Serving latency of this checkout against an earlier revision, interleaved post by post.

    .venv/bin/python benchmarks/ab_latency.py [--base REV] [--reps 4]

Why: these machines are shared virtual ones, and two runs of the same code minutes apart
differ by ±10 %, more than most serving changes. So both versions serve at once, each in
its own worker process (one thread for numpy and onnxruntime) with its own package and
default model: the base revision is checked out with `git worktree` into a temporary
folder. Every post goes to both workers in turn (in random order), `--reps` times; a
post's time is its best of those, and the figure is the median over posts of the ratio
new / base, with a bootstrap 95 % interval. Slow noise hits both alike.

Posts, as users send them (from ../shared; nothing is tuned on them): UMSAB val non-English
captions (the dev half), TweetEval val English captions (hashtags removed), ImageNet sample
photos alone, and real Instagram posts with a caption and photos (instaloader sets). The
workers also return their top 10, and the table says how many lists differ: a change
meant to be a speed-up only should differ on none.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE)]

EXAMPLES = 2  # per kind of post, the first posts whose top 10 differ, shown with both lists
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def worker() -> int:
    """Serve posts read as JSON lines on stdin; answer (seconds, top 10 keys) per line."""
    from taglens.post import Post
    from taglens.recommend import Recommender

    rec = Recommender.load()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        post = Post(**json.loads(line))
        start = time.perf_counter()
        keys = [s.key for s in rec.suggest(post, k=10).hashtags]
        print(json.dumps({"s": time.perf_counter() - start, "keys": keys}), flush=True)
    return 0


def post_sets(data: Path, per_set: int) -> dict[str, list[dict]]:
    from _results import caption_posts
    from image_text import instagram_sets
    from multilingual import umsab_half

    _, tasks, langs = umsab_half(data, "dev")
    english, _ = caption_posts(per_set)
    photos = sorted((data / "imagenet-sample-images" / "images").glob("*.jpg"))[:per_set]
    real = [p for posts in instagram_sets(data).values() for p in posts if p.images and p.text.strip()][:per_set]
    as_json = lambda p: {"id": p.id, "text": p.text, "hashtags": list(p.hashtags), "images": list(p.images)}  # noqa: E731
    return {
        "non-English caption (UMSAB)": [as_json(p) for p, lang in zip(tasks.inputs, langs, strict=True) if lang != "en"][:per_set],
        "English caption (TweetEval)": [as_json(p) for p in english],
        "photo alone (ImageNet samples)": [{"id": f"photo{i}", "images": [str(p)]} for i, p in enumerate(photos)],
        "caption + photos (real Instagram posts)": [as_json(p) for p in real],
    }


class Worker:
    def __init__(self, src: Path) -> None:
        env = dict(os.environ, **WORKER_ENV, PYTHONPATH=str(src))
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=tempfile.gettempdir())
        if not json.loads(self.proc.stdout.readline()).get("ready"):
            raise RuntimeError(f"worker for {src} did not start")

    def serve(self, post: dict) -> tuple[float, list[str]]:
        self.proc.stdin.write(json.dumps(post) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return answer["s"], answer["keys"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def compare(workers: dict[str, Worker], posts: list[dict], reps: int, rng: random.Random) -> dict:
    """Per post, each worker's best time of `reps`; how many top 10s differ; and the first
    `EXAMPLES` posts whose lists differ, with both lists (what changed, to look at)."""
    best = {name: [float("inf")] * len(posts) for name in workers}
    lists: dict[str, list[list[str]]] = {name: [[] for _ in posts] for name in workers}
    for post in posts:  # warm-up: each language's word lists, onnxruntime arenas
        for w in workers.values():
            w.serve(post)
    for _ in range(reps):
        for i, post in enumerate(posts):
            for name in rng.sample(list(workers), len(workers)):
                seconds, keys = workers[name].serve(post)
                best[name][i] = min(best[name][i], seconds)
                lists[name][i] = keys
    changed = [i for i, (a, b) in enumerate(zip(lists["base"], lists["new"], strict=True)) if a != b]
    examples = [(posts[i], lists["base"][i], lists["new"][i]) for i in changed[:EXAMPLES]]
    return {"best": best, "differ": len(changed), "examples": examples}


def example_lines(kind: str, examples: list[tuple[dict, list[str], list[str]]]) -> list[str]:
    """Markdown bullets: a post (caption, or its photo's name) and both top 10s."""
    out = []
    for post, base, new in examples:
        what = (post.get("text") or "").replace("\n", " ")[:90] or Path(post["images"][0]).name
        out.append(f"- {kind}: \"{what}\"\n  - base: {' '.join('#' + k for k in base)}\n"
                   f"  - new: {' '.join('#' + k for k in new)}")
    return out


def ratio_interval(base: list[float], new: list[float], seed: int = 0) -> tuple[float, float, float]:
    import numpy as np

    ratio = np.asarray(new) / np.asarray(base)
    rng = np.random.default_rng(seed)
    boots = [np.median(ratio[rng.integers(0, len(ratio), len(ratio))]) for _ in range(2000)]
    return float(np.median(ratio)), float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", default="HEAD~1", help="the revision to compare with (default HEAD~1)")
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--posts", type=int, default=40, help="posts per kind")
    args = parser.parse_args()
    if args.worker:
        return worker()
    from _results import checkout_of, markdown_table, publish, shared_data, short_rev

    import numpy as np

    data = shared_data()
    if data is None:
        return 0
    base_rev, new_rev = short_rev(args.base), short_rev("HEAD")
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    sets = post_sets(data, args.posts)
    rng = random.Random(7)
    rows, examples = [], []
    with checkout_of(base_rev) as tree:
        workers = {"base": Worker(tree / "src"), "new": Worker(ROOT / "src")}
        try:
            for kind, posts in sets.items():
                result = compare(workers, posts, args.reps, rng)
                base_ms = [1000 * s for s in result["best"]["base"]]
                new_ms = [1000 * s for s in result["best"]["new"]]
                mid, lo, hi = ratio_interval(base_ms, new_ms)
                rows.append([kind, str(len(posts)), f"{np.median(base_ms):.1f}", f"{np.median(new_ms):.1f}",
                             f"**{mid:.3f}** ({lo:.3f}–{hi:.3f})", f"{result['differ']} of {len(posts)}"])
                print(" | ".join(rows[-1]), flush=True)
                examples += example_lines(kind, result["examples"])
        finally:
            for w in workers.values():
                w.close()
    load = os.getloadavg()[0]
    body = (f"Base `{base_rev}`, new `{new_rev}`{' plus uncommitted changes' if dirty else ''}. One worker process "
            f"per version, one thread each, every post served by both in random order, {args.reps} times; a post's "
            f"time is its best of those. Ratio: median over posts of new / base, bootstrap 95 % interval. "
            f"Load average {load:.1f} on {os.cpu_count()} cores.\n\n"
            + markdown_table(["posts", "n", "base median ms", "new median ms", "new / base (95 % CI)",
                              "top 10 differing"], rows)
            + (f"\nThe first {EXAMPLES} posts of each kind whose top 10 differ:\n\n" + "\n".join(examples) + "\n"
               if examples else ""))
    return publish("ab_latency", "Serving latency: this checkout against an earlier revision, interleaved", body)


if __name__ == "__main__":
    sys.exit(main())

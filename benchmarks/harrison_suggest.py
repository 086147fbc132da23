"""HARRISON, one tag given: the CLI's `suggest --jsonl -` against the popularity baseline.

Held-out posts are HARRISON's hash split 'test' (taglens.evaluate.protocol.split_of),
which the shipped default model never saw. Each post shows its first tag; the rest
are hidden and must be recovered. The taglens figures come from the real CLI path
(`taglens suggest --jsonl -` in a subprocess); the baseline runs in this process
on the same posts.

    .venv/bin/python benchmarks/harrison_suggest.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, shared_data, write_section  # noqa: E402

from _tasks import harrison_task  # noqa: E402
from taglens.evaluate.protocol import score_rankings  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

METRICS = ("P@1", "R@5", "A@5")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N held-out posts")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    tasks = harrison_task(data, args.limit)  # copies of the training tag lists removed
    payload = "".join(p.to_json() + "\n" for p in tasks.inputs).encode()
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "taglens", "suggest", "--jsonl", "-", "-k", "10"],
                          input=payload, capture_output=True, check=True)
    cli_seconds = time.perf_counter() - start
    cli_rankings = [[h["tag"].lstrip("#").casefold() for h in json.loads(line)["hashtags"]]
                    for line in proc.stdout.decode().splitlines()]
    popularity = Recommender.load().only(["popularity"])
    pop_rankings = [[s.key for s in p.hashtags] for p in popularity.suggest_many(tasks.inputs, k=10)]
    rows = []
    for name, rankings in [("popularity (Top-K baseline)", pop_rankings),
                           ("taglens default model, `suggest --jsonl -`", cli_rankings)]:
        m = score_rankings(rankings, tasks.gold)
        rows.append([name] + [f"{100 * m[k]:.2f}" for k in METRICS])
        print(name, {k: round(100 * m[k], 2) for k in METRICS})
    body = (f"HARRISON hash split 'test': {len(tasks.inputs)} posts with ≥ 2 tags "
            f"({tasks.skipped} single-tag posts skipped; {tasks.dedup.describe() if tasks.dedup else ''}); "
            "first tag given, the rest hidden; top 10 asked.\n"
            f"The CLI served {len(tasks.inputs)} posts in {cli_seconds:.1f} s, process start and model load included.\n\n"
            + markdown_table(["method", *METRICS], rows)
            + "\nFor scale only, not comparable: the HARRISON paper's figures (P@1 30.16, R@5 21.38, A@5 52.52, "
              "VGG-Object+Scene) measure another task, tags from the *photo alone* with no tag given; "
              "HARRISON's photos are not available here, so that task cannot be run.\n")
    write_section("harrison-suggest", "HARRISON, first tag given (`taglens suggest --jsonl -`)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

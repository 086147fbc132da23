"""Does the photo help, as a user is served? Caption alone against caption + photos on real posts.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/image_fusion_served.py

benchmarks/image_text.py learns the fusion weights and reports them through its own scoring
path. This script asks the shipped model through `Recommender.suggest_many`, exactly as the CLI
and the API do (grounding, photo rules, tag languages included), on the Instagram posts that
have a caption, hashtags and a photo: task 'caption' (every tag hidden), the same posts with
their photos removed and with them. Rows per hash split: 'held out' (val + test, never trained
or tuned on) and 'train' (the posts the fusion weights were cross-fitted on). Paired 95 %
bootstrap interval of the difference. Writes the "image_fusion_served" section of RESULTS.md.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import markdown_table, paired_difference, publish, shared_data  # noqa: E402
from image_text import captioned_tasks, instagram_sets  # noqa: E402

from taglens.evaluate.metrics import post_metrics  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.splits import split_of  # noqa: E402


def a_at_5(rec: Recommender, posts: list, gold: list[set[str]]) -> list[float]:
    return [post_metrics([s.key for s in p.hashtags], g)["A@5"]
            for p, g in zip(rec.suggest_many(posts, k=5), gold, strict=True)]


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load()
    rows = []
    for name, posts in instagram_sets(data).items():
        for part, held in (("held out (val + test)", True), ("train (fusion weights cross-fitted here)", False)):
            inputs, gold, _ids = captioned_tasks([p for p in posts if (split_of(p.id) != "train") == held])
            if not inputs:
                continue
            caption = a_at_5(rec, [replace(p, images=[]) for p in inputs], gold)
            both = a_at_5(rec, inputs, gold)
            n = len(caption)
            rows.append([name, part, n, f"{100 * sum(caption) / n:.1f}", f"{100 * sum(both) / n:.1f}",
                         paired_difference([b - a for a, b in zip(caption, both, strict=True)])])
    body = ("The shipped model through `Recommender.suggest_many` (as the CLI and API serve it), posts with a "
            "caption, hashtags and a photo, every tag hidden. Goal (issue 13): caption + photos minus caption "
            "alone ≥ +2 on each set's held-out posts.\n\n"
            + markdown_table(["set", "split", "posts", "A@5 caption alone", "A@5 caption + photos",
                              "difference (paired 95 % CI)"], rows))
    return publish("image_fusion_served", "Image + caption on real Instagram posts, as served", body)


if __name__ == "__main__":
    sys.exit(main())

"""One-poster tags: a tag fewer than three training posts carry, copied from a neighbour.

    .venv/bin/python benchmarks/rare_tags.py [--tweets N]

89 % of the default vocabulary's 27,970 tags are carried by one or two training posts:
#tadejbakerorthodontics, #floodchurch, #stigginsrum, #bobsredmill. The kNN and TF-IDF
scorers copy them onto any caption near that one post. Before: the shipped model with
grounding's 'rare' rule off; after: as shipped, where a neighbour-copying scorer
(grounding.COPYING) proposes such a tag only when the post writes it, the profile uses it
or it names a supported place. Both from the same scores, in one run:
* TweetEval val, caption only, copies of training posts removed (as text_eval): A@5, P@1,
  and the share of posts whose top 5 holds a one-poster tag the caption does not write;
  and the same with the copies kept (the one-poster tag of a copied tweet is a memorised hit);
* real Instagram posts with a caption (both instaloader sets, own tags hidden): the same;
* HARRISON test, first tag given (tag lists, no caption): A@5 (the rule must cost nothing);
* 56 everyday captions in seven languages (benchmarks/data/everyday): the unwritten share;
* captions unlike the corpus, top 5 before and after.
RARE_USES = 2 was set before any of these ran; `--uses` prints the unwritten share and
A@5 for 1 and 3 as well (TweetEval val and the Instagram posts, for the record).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from _results import markdown_table, paired_difference, publish, shared_data  # noqa: E402
from grounding import instagram_posts  # noqa: E402

from taglens.evaluate.metrics import post_metrics  # noqa: E402
from taglens.evaluate.runner import rank_grounded, score_posts  # noqa: E402
from taglens.hashtags import remove_hashtags  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.query import Query  # noqa: E402
from taglens.recommend import Recommender, grounding  # noqa: E402

CAPTIONS = ("Dr. Garza is the best orthodontist I've had, so happy", "Sunday service with the youth group",
            "Feeding the ducks at the lake", "Marathon training: 20 miles done", "First day at the new job",
            "Meet my new nephew Charlie!", "Homemade ramen on a rainy Sunday", "Cena con la familia, qué rico")
OFF = frozenset({"rare"})


def unwritten(rec: Recommender, query: Query, top: list[str]) -> bool:
    """A one-poster tag in the top 5 that the post does not write (nor the profile use)."""
    return any(not rec.grounding._copy_allowed(key, query) for key in top[:5])


def measure(rec: Recommender, posts: list[Post], gold: list[set[str]] | None) -> tuple[list[str], dict]:
    queries, per = score_posts(rec, posts)
    ranks = {"before": rank_grounded(rec, queries, per, rec.banned, 10, allow=OFF),
             "after": rank_grounded(rec, queries, per, rec.banned, 10)}
    out = {}
    for name, rank in ranks.items():
        metrics = [post_metrics(r, g) for r, g in zip(rank, gold, strict=True)] if gold else []
        out[name] = {"a5": [m["A@5"] for m in metrics], "p1": [m["P@1"] for m in metrics],
                     "claims": [unwritten(rec, q, r) for q, r in zip(queries, rank, strict=True)]}
    n = len(posts)
    pct = lambda xs: f"{100 * sum(xs) / n:.1f}"  # noqa: E731
    row = [str(n)]
    if gold:
        row += [pct(out["before"]["a5"]), pct(out["after"]["a5"]),
                paired_difference([a - b for a, b in zip(out["after"]["a5"], out["before"]["a5"], strict=True)]),
                pct(out["before"]["p1"]), pct(out["after"]["p1"])]
    else:
        row += ["", "", "", "", ""]
    row += [pct(out["before"]["claims"]) + " %", pct(out["after"]["claims"]) + " %"]
    return row, out


def everyday() -> list[Post]:
    path = HERE / "data" / "everyday" / "captions.jsonl"
    return [Post(id=row["id"], text=row["text"]) for row in map(json.loads, path.read_text("utf-8").splitlines())]


def examples(rec: Recommender) -> list[list[str]]:
    def top5(text: str, allow: frozenset[str]) -> str:
        return " ".join(f"`{s.tag}`" for s in rec.suggest(Post(text=text), k=5, allow=allow).hashtags)

    return [[c, top5(c, OFF), top5(c, frozenset())] for c in CAPTIONS]


def sensitivity(rec: Recommender, posts: list[Post], gold: list[set[str]]) -> list[list[str]]:
    queries, per = score_posts(rec, posts)
    rows = []
    for uses in (1, 2, 3):
        grounding.RARE_USES = uses
        rank = rank_grounded(rec, queries, per, rec.banned, 10)
        a5 = sum(post_metrics(r, g)["A@5"] for r, g in zip(rank, gold, strict=True)) / len(posts)
        rows.append([str(uses), f"{100 * a5:.1f}"])
    grounding.RARE_USES = 2
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=None, help="first N TweetEval val captions (default all)")
    parser.add_argument("--uses", action="store_true", help="also print A@5 at RARE_USES 1, 2 and 3")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    from _tasks import harrison_task, tweeteval_task

    rec = Recommender.load()
    task = tweeteval_task(data, args.tweets)
    real = [p for p in instagram_posts(data) if remove_hashtags(p.text).strip() and p.tag_keys]
    ig = [Post(id=p.id, text=remove_hashtags(p.text)) for p in real]
    ig_gold = [set(p.tag_keys) for p in real]
    harrison = harrison_task(data, 1500)
    with_copies = tweeteval_task(data, args.tweets, dedup=False)
    rows = [["TweetEval val, caption only, deduplicated", *measure(rec, task.inputs, task.gold)[0]],
            ["the same with duplicates of training posts kept", *measure(rec, with_copies.inputs, with_copies.gold)[0]],
            ["real Instagram posts with a caption, own tags hidden", *measure(rec, ig, ig_gold)[0]],
            ["HARRISON test (first 1,500), first tag given, deduplicated", *measure(rec, harrison.inputs, harrison.gold)[0]],
            ["everyday captions, seven languages (no gold tags)", *measure(rec, everyday(), None)[0]]]
    body = (f"A one-poster tag: one the default model's training posts carry at most {grounding.RARE_USES} times. "
            "Before: grounding's 'rare' rule off; after: as shipped; the same scores, one run. 'Unwritten': such a "
            "tag in the top 5 that the post does not write.\n\n"
            + markdown_table(["posts", "n", "A@5 before", "A@5 after", "change (paired 95 % CI)", "P@1 before",
                              "P@1 after", "top 5 with an unwritten one-poster tag, before", "after"], rows)
            + "\n\n### Captions, top 5 before and after\n\n"
            + markdown_table(["caption", "before", "after"], examples(rec)))
    if args.uses:
        for label, posts, gold in (("TweetEval val", task.inputs, task.gold), ("Instagram", ig, ig_gold)):
            print(label, markdown_table(["RARE_USES", "A@5"], sensitivity(rec, posts, gold)))
    return publish("rare_tags", "One-poster tags copied from a neighbour (grounding rule 'rare')", body)


if __name__ == "__main__":
    sys.exit(main())

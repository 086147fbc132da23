"""The list's arrangement: a list of ten starts with the list of five; a caption phrase's pieces.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/list_arrangement.py [--base REV] [--tweets N]

Two changes to grounding's list arrangement (recommend/grounding.py `arrange`), both under the
rule 'variants':

* **Five slots at a time.** The variant and broader rules used to let one concept take
  `limit / 5` slots anywhere in the list: a top 10 could open `#dog #dogs`, a top 5 could not.
  The evaluation ranks ten and scores the first five (evaluate/runner.py, K = 10), so it
  scored lists no user asking for five is shown. Measured here: on each set, the share of
  posts whose top 5 differs from the first five of their top 10, with the base revision
  (`--base`, checked out with `git worktree` and run in a child process) and this checkout;
  and on Flickr8k photos alone, the caption-word share (issue 13's measure) of both lists.
* **A caption phrase's pieces go after it.** `#Taj` and `#Mahal` after `#TajMahal`,
  `#Retriever` after `#GoldenRetriever`: a caption word ranked below a tag that joins it with
  its neighbours goes after every other tag, unless the word is the more used tag of the two
  (#cat after #rescuecat stays). Before: the rule switched off in this process; after: as
  shipped; the same scores. TweetEval val (deduplicated, as text_eval), caption only: A@5,
  P@1 and the share of top 5s holding such a piece; captions unlike the corpus, before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402
from _results import checkout_of, markdown_table, paired_difference, publish, shared_data, short_rev  # noqa: E402

CAPTIONS = ("Sunrise over the Taj Mahal in Agra", "Golden retriever puppy at the beach",
            "Cherry blossoms in the park", "Just adopted a rescue cat", "Street art in Berlin",
            "Weekend in New York City with friends", "Hiking Mount Rainier this morning",
            "Our first Christmas market in Vienna")


def lists(posts: list[dict]) -> list[list[list[str]]]:
    """Per post, [its top 5 at k=5, the first five of its top 10], as this process's taglens serves them."""
    from taglens.post import Post
    from taglens.recommend import Recommender

    rec = Recommender.load()
    made = [Post(id=p["id"], text=p.get("text", ""), images=p.get("images", [])) for p in posts]
    out = [[[s.key for s in pred.hashtags][:5] for pred in rec.suggest_many(made, k=k, batch_size=16)]
           for k in (5, 10)]
    return [list(pair) for pair in zip(*out, strict=True)]


def child() -> int:
    """`--lists`: read posts as JSON lines on stdin, print their lists as one JSON line."""
    posts = [json.loads(line) for line in sys.stdin if line.strip()]
    print(json.dumps(lists(posts)))
    return 0


def base_lists(rev: str, posts: list[dict]) -> list[list[list[str]]]:
    with checkout_of(rev) as tree:
        env = dict(os.environ, PYTHONPATH=str(tree / "src"))
        done = subprocess.run([sys.executable, __file__, "--lists"], input="\n".join(map(json.dumps, posts)),
                              capture_output=True, text=True, check=True, env=env, cwd=tempfile.gettempdir())
        return json.loads(done.stdout.strip().splitlines()[-1])


def prefix_rows(data: Path, rev: str, tweets: int) -> tuple[list[list[str]], list[list[str]]]:
    from _tasks import tweeteval_task
    from image_text import caption_words, flickr_photos, share_top5

    task = tweeteval_task(data, tweets)
    sets = {"TweetEval val captions (deduplicated)": [{"id": p.id, "text": p.text} for p in task.inputs]}
    photos, captions = [], []
    for split in ("val", "test"):
        paths, caps = flickr_photos(data, split)
        photos += [{"id": p.name, "images": [str(p)]} for p in paths]
        captions += caps
    sets["Flickr8k photos alone (val + test)"] = photos
    words = [caption_words(c) for c in captions]
    rows, shares = [], []
    for name, posts in sets.items():
        got = {"base": base_lists(rev, posts), "this checkout": lists(posts)}
        for system, pairs in got.items():
            differ = sum(five != ten for five, ten in pairs)
            rows.append([name, str(len(posts)), f"`{rev}`" if system == "base" else system,
                         f"{differ} ({100 * differ / len(posts):.1f} %)"])
            if name.startswith("Flickr8k"):
                fives, tens = zip(*pairs, strict=True)
                shares.append([f"`{rev}`" if system == "base" else system,
                               f"{100 * np.mean(share_top5(list(fives), words)):.1f}",
                               f"{100 * np.mean(share_top5(list(tens), words)):.1f}"])
    return rows, shares


@contextmanager
def pieces_kept():
    """The phrase-pieces rule switched off (the 'before' of this process)."""
    from taglens.recommend import grounding

    saved = grounding._parts_after
    grounding._parts_after = lambda items, phrases, uses: items
    try:
        yield
    finally:
        grounding._parts_after = saved


def has_piece(query, top: list[str], uses) -> bool:  # noqa: ANN001 - a Query and the grounding's uses
    """A caption word in the top 5 after a tag of the same list that joins it with its neighbours."""
    from taglens.recommend.grounding import caption_phrases

    phrases = caption_phrases(query)
    for i, key in enumerate(top[:5]):
        for earlier in top[:i]:
            parts = phrases.get(earlier, frozenset())
            if key in parts and key != earlier and uses.get(key, 0) <= uses.get(earlier, 0):
                return True
    return False


def pieces_rows(data: Path, tweets: int | None) -> tuple[list[list[str]], list[list[str]]]:
    from _tasks import tweeteval_task

    from taglens.evaluate.metrics import post_metrics
    from taglens.evaluate.runner import rank_grounded, score_posts
    from taglens.post import Post
    from taglens.recommend import Recommender

    rec = Recommender.load()
    uses = rec.grounding.uses
    task = tweeteval_task(data, tweets)
    queries, per = score_posts(rec, task.inputs)
    with pieces_kept():
        before = rank_grounded(rec, queries, per, rec.banned, 10)
    after = rank_grounded(rec, queries, per, rec.banned, 10)
    out = {}
    for name, ranks in (("before", before), ("after", after)):
        metrics = [post_metrics(r, g) for r, g in zip(ranks, task.gold, strict=True)]
        out[name] = {"a5": [m["A@5"] for m in metrics], "p1": [m["P@1"] for m in metrics],
                     "piece": [has_piece(q, r, uses) for q, r in zip(queries, ranks, strict=True)]}
    n = len(task.inputs)
    pct = lambda xs: f"{100 * sum(xs) / n:.1f}"  # noqa: E731
    rows = [[str(n), pct(out["before"]["a5"]), pct(out["after"]["a5"]),
             paired_difference([a - b for a, b in zip(out["after"]["a5"], out["before"]["a5"], strict=True)]),
             pct(out["before"]["p1"]), pct(out["after"]["p1"]),
             pct(out["before"]["piece"]) + " %", pct(out["after"]["piece"]) + " %"]]

    def top5(text: str) -> str:
        return " ".join(f"`{s.tag}`" for s in rec.suggest(Post(text=text), k=5).hashtags)

    examples = []
    for caption in CAPTIONS:
        with pieces_kept():
            old = top5(caption)
        examples.append([caption, old, top5(caption)])
    changed = [i for i in range(n) if before[i][:5] != after[i][:5]][:4]
    examples += [[task.inputs[i].text[:90], " ".join(f"`#{k}`" for k in before[i][:5]),
                  " ".join(f"`#{k}`" for k in after[i][:5])] for i in changed]
    return rows, examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="c191a41", help="the revision before the five-at-a-time change")
    parser.add_argument("--tweets", type=int, default=600, help="TweetEval val captions for the prefix check")
    parser.add_argument("--lists", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lists:
        return child()
    data = shared_data()
    if data is None:
        return 0
    rev = short_rev(args.base)
    prefix, shares = prefix_rows(data, rev, args.tweets)
    pieces, examples = pieces_rows(data, None)
    body = ("### A list of ten starts with the list of five\n\n"
            f"Posts whose top 5 (`suggest(k=5)`) differs from the first five of their top 10 (`k=10`); base `{rev}` "
            "in a child process, this checkout in this one.\n\n"
            + markdown_table(["posts", "n", "revision", "top 5 differs from the top 10's first five"], prefix)
            + "\nFlickr8k photos alone, caption-word share of the top 5 (issue 13's measure: positions whose tag's "
              "words occur in one of the photo's five captions) as each list gives it. The evaluation scored the "
              "second column; a user asking for five sees the first.\n\n"
            + markdown_table(["revision", "top 5 at k=5 %", "first five at k=10 %"], shares)
            + "\n### A caption phrase's pieces after the phrase\n\n"
              "TweetEval val, caption only, copies of training posts removed; before: the rule off, after: as "
              "shipped, the same scores. Piece: a caption word in the top 5 after a tag of the same list that "
              "joins it with its neighbours (and is not the less used tag of the two).\n\n"
            + markdown_table(["posts", "A@5 before", "A@5 after", "change (paired 95 % CI)", "P@1 before", "P@1 after",
                              "top 5 with a piece after its phrase, before", "after"], pieces)
            + "\nTop 5 before and after (captions written for this benchmark, then the first TweetEval val captions "
              "whose top 5 changed):\n\n"
            + markdown_table(["caption", "before", "after"], examples))
    return publish("list_arrangement", "The list's arrangement: five slots at a time, a phrase's pieces after it", body)


if __name__ == "__main__":
    sys.exit(main())

"""Tags that name one thing (a brand, an app, a team, a public figure) as brand claims.

    .venv/bin/python benchmarks/named_things.py [--tweets N]

Before: the shipped model with `data/named_things.txt` read as empty (those tags are
plain content); after: as shipped, where such a tag is suggested only when the post
names it (text/tagkinds.py `named_things`, grounding's brand rule). Both from the same
scores, in one run:
* TweetEval val, caption only, copies of training posts removed (as text_eval): A@5,
  and the share of posts whose top 5 holds a named-thing tag the caption does not write
  (what a user sees as '#nike on my dinner');
* HARRISON test, first tag given (tag lists, no caption; added 2026-12-04): a brand the given
  tag does not name is a claim there too;
* real Instagram posts with a caption (instagram-vaping-instaloader and
  instagram-kanarinka-instaloader, own tags hidden): the same two figures;
* captions in several languages, top 5 before and after.
Nothing was tuned on these: the list was written from the vocabulary's most used tags.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from _results import markdown_table, paired_difference, publish, shared_data  # noqa: E402
from grounding import instagram_posts  # noqa: E402

from taglens.evaluate.metrics import post_metrics  # noqa: E402
from taglens.evaluate.runner import rank_grounded, score_posts  # noqa: E402
from taglens.hashtags import hashtag_key, remove_hashtags  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.text import tagkinds  # noqa: E402

CAPTIONS = ("Sushi dinner with friends tonight", "Selamat pagi, kopi dulu sebelum kerja",
            "Liburan ke pantai bersama keluarga", "New Nike shoes for the gym", "Justin Bieber concert tonight!!",
            "Atardecer en la playa con mis amigos", "Morning run along the river", "Il mio gatto dorme sul divano")


@contextlib.contextmanager
def without_named_things(rec: Recommender) -> Iterator[None]:
    """The list read as empty: the model's tag kinds computed again without it (the shipped
    tagkinds.json holds the kinds the list made, #nike 'brand' and #adele25 'event'), and every
    memo of tag kinds forgotten on the way in and out."""
    grounding = rec.grounding
    shipped = grounding.kinds

    def forget() -> None:
        tagkinds._lexical_cached.cache_clear()
        shipped._memo.clear()

    original = tagkinds.named_things
    tagkinds.named_things = lambda: frozenset()  # type: ignore[assignment]
    forget()
    vocab = rec.vocab
    counts = next(s.counts for s in rec.scorers if s.name == "cooccurrence")
    grounding.kinds = tagkinds.TagKinds.from_corpus(vocab.keys, vocab.counts, counts, vocab.total_posts)
    try:
        yield
    finally:
        grounding.kinds = shipped
        tagkinds.named_things = original  # type: ignore[assignment]
        forget()


def unwritten(top: list[str], caption: str) -> bool:
    """A named-thing tag in the list whose words the caption does not write."""
    written = hashtag_key(caption.replace(" ", ""))
    return any(key in tagkinds.named_things() and key not in written for key in top[:5])


def measure(rec: Recommender, posts: list[Post], gold: list[set[str]]) -> tuple[list[str], dict]:
    queries, per = score_posts(rec, posts)
    with without_named_things(rec):
        before = rank_grounded(rec, queries, per, rec.banned, 10)
    after = rank_grounded(rec, queries, per, rec.banned, 10)
    out = {}
    for name, ranks in (("before", before), ("after", after)):
        out[name] = {"a5": [post_metrics(r, g)["A@5"] for r, g in zip(ranks, gold, strict=True)],
                     "claims": [unwritten(r, p.text) for r, p in zip(ranks, posts, strict=True)]}
    n = len(posts)
    row = [str(n), f"{100 * sum(out['before']['a5']) / n:.1f}", f"{100 * sum(out['after']['a5']) / n:.1f}",
           paired_difference([a - b for a, b in zip(out["after"]["a5"], out["before"]["a5"], strict=True)]),
           f"{100 * sum(out['before']['claims']) / n:.1f} %", f"{100 * sum(out['after']['claims']) / n:.1f} %"]
    return row, out


def examples(rec: Recommender) -> list[list[str]]:
    def top5(text: str) -> str:
        return " ".join(f"`{s.tag}`" for s in rec.suggest(Post(text=text), k=5).hashtags)

    with without_named_things(rec):
        before = [top5(c) for c in CAPTIONS]
    return [[c, b, top5(c)] for c, b in zip(CAPTIONS, before, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=None, help="first N TweetEval val captions (default all)")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    from _tasks import harrison_task, tweeteval_task

    rec = Recommender.load()
    task = tweeteval_task(data, args.tweets)
    rows = [["TweetEval val, caption only, deduplicated", *measure(rec, task.inputs, task.gold)[0]]]
    harrison = harrison_task(data)
    rows.append(["HARRISON test, first tag given, deduplicated", *measure(rec, harrison.inputs, harrison.gold)[0]])
    real = [p for p in instagram_posts(data) if remove_hashtags(p.text).strip() and p.tag_keys]
    inputs = [Post(id=p.id, text=remove_hashtags(p.text)) for p in real]
    rows.append(["real Instagram posts with a caption, own tags hidden",
                 *measure(rec, inputs, [set(p.tag_keys) for p in real])[0]])
    body = (f"{len(tagkinds.named_things())} reviewed tags (`src/taglens/data/named_things.txt`). Before: that list "
            "read as empty; after: as shipped; the same scores, one run. 'Unwritten named tag': a tag of the list "
            "in the top 5 whose words the caption does not write.\n\n"
            + markdown_table(["posts", "n", "A@5 before", "A@5 after", "change (paired 95 % CI)",
                              "top 5 with an unwritten named tag, before", "after"], rows)
            + "\n\n### Captions, top 5 before and after\n\n"
            + markdown_table(["caption", "before", "after"], examples(rec)))
    return publish("named_things", "Tags that name one thing: brand claims (grounding)", body)


if __name__ == "__main__":
    sys.exit(main())

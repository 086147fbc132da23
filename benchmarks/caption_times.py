"""Times the caption excludes: #sunset on "Sunrise over the Taj Mahal" (photo rule 10).

    .venv/bin/python benchmarks/caption_times.py

A caption that says sunrise (or dawn) is not at sunset, one that says morning not at night,
one that says winter not in summer; the kNN and popularity scorers do not know that, and the
served list had put #sunset fourth under "Sunrise over the Taj Mahal in Agra". Since
2026-12-08 photo rule 10 drops a tag whose words name the other side of such a pair when the
caption writes one side and not the other (recommend/photo_rules.py TIME_OPPOSITES), unless
the user wrote the tag. Before: `PhotoRules.times = False`; after: as shipped; the same
scores, one run. Sets: TweetEval val captions (deduplicated, caption only: A@5 and P@1 must
hold), the real Instagram posts with a caption (own tags hidden), and the hand-written
captions of benchmarks/data (grounding, animals, everyday English). Counted with this
script's own test, not the rule's words: a top-5 tag *containing* the letters of the other
side ('sunset', 'dusk', 'night', 'summer'; so #nightlife counts, which the rule's
segmentation keeps) while the caption contains neither them nor the tag; and, to pair it with
a measure only the specific answer meets, top 5s holding a tag that contains the caption's
own time word (#sunrise on a sunrise).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]


from _results import GOLD_COLUMNS, changed_example, gold_columns, markdown_table, publish, shared_data  # noqa: E402

from taglens.evaluate.runner import rank_grounded, score_posts  # noqa: E402
from taglens.hashtags import remove_hashtags  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

# this script's own pairs: the caption's word -> letters a contradicting tag holds
SIDES = {"sunrise": ("sunset", "dusk"), "dawn": ("sunset", "dusk"), "sunset": ("sunrise", "dawn"),
         "dusk": ("sunrise", "dawn"), "morning": ("night",), "night": ("morning",), "tonight": ("morning",),
         "winter": ("summer",), "summer": ("winter",)}
FIXTURES = ("grounding/placeless.jsonl", "grounding/named_places.jsonl", "animals/captions.jsonl",
            "everyday/no_corpus.jsonl")


def contradictions(text: str, top: list[str]) -> tuple[bool, bool]:
    """(a top-5 tag holds the other side's letters, a top-5 tag holds the caption's own time word)."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    mine = [w for w in SIDES if w in words]
    if not mine:
        return False, False
    lowered = text.lower()
    other = {o for w in mine for o in SIDES[w]} - {o for o in SIDES if o in words}
    bad = any(o in k and k not in lowered for k in top[:5] for o in other)
    own = any(w in k for k in top[:5] for w in mine)
    return bad, own


def fixture_posts() -> list[Post]:
    texts = []
    for name in FIXTURES:
        path = HERE / "data" / name
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Post(id=f"f{i}", text=t) for i, t in enumerate(texts)]


def ranks(rec: Recommender, queries, per, times: bool) -> list[list[str]]:  # noqa: ANN001
    rec.photo_rules.times = times
    try:
        return rank_grounded(rec, queries, per, rec.banned, 10)
    finally:
        rec.photo_rules.times = True


def main() -> int:
    rec = Recommender.load("default")
    sets: dict[str, tuple[list[Post], list[set[str]] | None]] = {"hand-written captions (benchmarks/data)": (fixture_posts(), None)}
    data = shared_data()
    if data is not None:
        from _tasks import tweeteval_task
        from grounding import instagram_posts

        task = tweeteval_task(data)
        sets["TweetEval val, caption only, deduplicated"] = (list(task.inputs), list(task.gold))
        real = [p for p in instagram_posts(data) if remove_hashtags(p.text).strip() and p.tag_keys]
        sets["real Instagram posts with a caption, own tags hidden"] = (
            [Post(id=p.id, text=remove_hashtags(p.text)) for p in real], [set(p.tag_keys) for p in real])
    else:
        print("caption_times: ../shared/data is absent; the hand-written captions only", file=sys.stderr)
    rows, examples = [], []
    for name, (posts, gold) in sets.items():
        queries, per = score_posts(rec, posts)
        before, after = ranks(rec, queries, per, False), ranks(rec, queries, per, True)
        counts = {}
        for label, lists in (("before", before), ("after", after)):
            flags = [contradictions(p.text, t) for p, t in zip(posts, lists, strict=True)]
            counts[label] = (sum(b for b, _ in flags), sum(o for _, o in flags))
        timed = sum(any(w in set(re.findall(r"[a-z]+", p.text.lower())) for w in SIDES) for p in posts)
        scores = gold_columns(before, after, gold)
        changed = sum(x[:5] != y[:5] for x, y in zip(before, after, strict=True))
        rows.append([name, len(posts), timed, counts["before"][0], counts["after"][0], counts["before"][1],
                     counts["after"][1], changed, *scores])
        for post, x, y in zip(posts, before, after, strict=True):
            if x[:5] != y[:5] and len(examples) < 8:
                examples.append(changed_example(post.text, name.split(',')[0], x, y))
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["posts", "n", "captions with a time word", "top 5 with the other side, before", "after",
                              "top 5 with the caption's own time, before", "after", "top 5s changed", *GOLD_COLUMNS], rows)
            + "\nChanged top 5s (first eight):\n\n" + "\n".join(examples or ["- none"]) + "\n")
    return publish("caption_times", "Times the caption excludes (photo rule 10)", body)


if __name__ == "__main__":
    sys.exit(main())

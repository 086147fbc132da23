"""HARRISON, one tag given: how far can any recommender that sees only that tag go?

With one tag as the whole input, a recommender is a function from the given tag to
five tags. This script measures the best fixed choice by greedy set cover of each
given tag's posts (pick the tag hitting most posts not yet hit, five times), and the
shipped scorer that does this:

* in-sample on the training posts (hash splits 'train' + 'val'): an optimistic ceiling,
  since it fits rare given tags to their few posts; in-sample on the test posts, to show
  how far such ceilings overstate;
* chosen on the training posts and applied to the held-out 'test' posts: what the
  best fixed choice actually reaches on unseen posts;
* the shipped `coverage` scorer (a soft greedy cover) at several decays, fitted on
  the HARRISON training posts alone.

    .venv/bin/python benchmarks/harrison_bound.py
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import publish, shared_data  # noqa: E402

from taglens.corpus.importers import read_harrison  # noqa: E402
from taglens.evaluate.protocol import build_task, score_rankings, split_of  # noqa: E402
from taglens.models.base import Query, Vocab  # noqa: E402
from taglens.models.scorers.coverage import CoverageScorer  # noqa: E402
from taglens.post import Post  # noqa: E402


def by_given_tag(posts: list[Post]) -> dict[str, list[set[str]]]:
    tasks = build_task(posts, "given1")
    groups: dict[str, list[set[str]]] = defaultdict(list)
    for post, gold in zip(tasks.inputs, tasks.gold, strict=True):
        groups[post.tag_keys[0]].append(gold)
    return groups


def greedy_five(golds: list[set[str]]) -> list[str]:
    remaining, chosen = list(golds), []
    for _ in range(5):
        counts = Counter(t for g in remaining for t in g if t not in chosen)
        if not counts:
            break
        tag = min(counts, key=lambda t: (-counts[t], t))  # ties by name: set order varies with the hash seed
        chosen.append(tag)
        remaining = [g for g in remaining if tag not in g]
    return chosen


def hit_rate(groups: dict[str, list[set[str]]], choice: dict[str, list[str]]) -> float:
    hits = sum(bool(set(choice.get(k, [])) & g) for k, golds in groups.items() for g in golds)
    return 100.0 * hits / max(1, sum(len(g) for g in groups.values()))


def coverage_rates(train_posts: list[Post], test_posts: list[Post], decays: tuple[float, ...]) -> dict[float, float]:
    """A@5 on the test posts (one tag given) of the shipped `coverage` scorer, fitted on the
    training posts alone, for several decays (0 is the hard greedy cover)."""
    tasks = build_task(test_posts, "given1")
    vocab = Vocab.build([p for p in train_posts if p.hashtags])
    queries = [Query.from_post(p) for p in tasks.inputs]
    out = {}
    for decay in decays:
        scorer = CoverageScorer(decay=decay)
        scorer.fit(train_posts, vocab)
        rankings = [sorted(s, key=lambda k, s=s: -s[k])[:10] for s in (scorer.score(q, vocab) for q in queries)]
        out[decay] = 100.0 * score_rankings(rankings, tasks.gold)["A@5"]
    return out


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    posts = [p for _, p in read_harrison(data / "harrison") if isinstance(p, Post)]
    train_posts = [p for p in posts if split_of(p.id) != "test"]
    test_posts = [p for p in posts if split_of(p.id) == "test"]
    train, test = by_given_tag(train_posts), by_given_tag(test_posts)
    choice = {k: greedy_five(g) for k, g in train.items()}
    inside, outside = hit_rate(train, choice), hit_rate(test, choice)
    on_test = hit_rate(test, {k: greedy_five(g) for k, g in test.items()})
    asked = [p for p in test_posts if len(p.tag_keys) >= 2]
    query_hidden = 100.0 * sum(p.meta.get("query") in p.tag_keys[1:] for p in asked) / max(1, len(asked))
    rates = coverage_rates(train_posts, test_posts, (0.0, 0.1, 0.2, 0.5))
    body = (f"| best five tags per given tag (greedy cover) | A@5 |\n|---|---|\n"
            f"| chosen and scored on the training posts ({sum(map(len, train.values()))} posts; optimistic) "
            f"| {inside:.1f} |\n"
            f"| chosen and scored on the test posts themselves (in-sample: no recommender can know them) "
            f"| {on_test:.1f} |\n"
            f"| chosen on the training posts, scored on the held-out test posts "
            f"({sum(map(len, test.values()))} posts) | {outside:.1f} |\n"
            + "".join(f"| `coverage` scorer (soft cover, decay {d:g}) fitted on the HARRISON training posts, "
                      f"scored on the test posts | {r:.1f} |\n" for d, r in rates.items()) + "\n"
            "The issue's goal is 62. The in-sample figure overstates what a tag-only recommender can reach on "
            "unseen posts (it fits rare given tags to their few posts); the held-out figure is what the best "
            "fixed choice learned from the training posts reaches there. Greedy cover is within 1 - 1/e of the "
            "best cover, and in practice close to it. The shipped `coverage` scorer covers every training post "
            "holding the given tag, at any position (the rows above: only posts where it is the first tag), "
            "with a soft cover (a covered post's weight is multiplied by the decay instead of dropped); that "
            "gains 3 points on the held-out posts, and no decay brings it near 62. The crawl's search query "
            "(HARRISON's folder name) would: it is a hidden tag of "
            f"{query_hidden:.0f}% of these test posts, but it is the crawl's label, not the post's, and the "
            "protocol hides it.\n")
    return publish("harrison_bound", "HARRISON, one tag given: the ceiling of any tag-only recommender", body)


if __name__ == "__main__":
    sys.exit(main())

"""Each text scorer alone on TweetEval (train -> val, caption only, tags hidden),
the text topic classifier's held-out accuracy, and the speed of a text-only
suggest with all of these scorers together.

    .venv/bin/python benchmarks/text_scorers.py [--only word2vec,glove] [--write]

Prints a Markdown table; `--write` also writes the `text-scorers` section of
benchmarks/RESULTS.md. (The full evaluation table with every baseline is
`taglens evaluate`'s; this is the quick per-scorer check.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import markdown_table, shared_data, write_section  # noqa: E402

from taglens.corpus.importers import read_harrison, read_tweeteval  # noqa: E402
from taglens.evaluate.protocol import build_task, evaluate_recommender, split_of  # noqa: E402
from taglens.hashtags import remove_hashtags  # noqa: E402
from taglens.models.base import Vocab, create_scorer  # noqa: E402
from taglens.models.combiner import WeightedSumCombiner  # noqa: E402
from taglens.models.model_dir import ModelBundle  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend.recommender import Recommender  # noqa: E402
from taglens.text.clean import clean  # noqa: E402
from taglens.text.topics import NONE, TopicClassifier  # noqa: E402

SCORERS = [
    ("word2vec (predict)", "word2vec", {}),
    ("word2vec (cosine, original)", "word2vec", {"mode": "cosine"}),
    ("word2vec per topic", "word2vec_topic", {}),
    ("GloVe (predict)", "glove", {}),
    ("GloVe (cosine, original)", "glove", {"mode": "cosine"}),
    ("GloVe + GloVe-6B 0.2", "glove", {"pretrained_weight": 0.2}),
    ("GloVe per topic", "glove_topic", {}),
    ("LDA", "lda", {}),
    ("topic classifier tags", "topic", {}),
    ("popularity (reference)", "popularity", {}),
]
METRICS = ("P@1", "P@5", "R@5", "A@5", "MRR", "nDCG@10")


def posts_of(rows) -> list[Post]:
    return [p for _, p in rows if isinstance(p, Post)]


def run_scorer(name: str, params: dict, train: list[Post], vocab: Vocab, task) -> tuple[dict, float, object]:
    scorer = create_scorer(name, **params)
    start = time.perf_counter()
    scorer.fit(train, vocab)
    fit_s = time.perf_counter() - start
    rec = Recommender(ModelBundle(vocab=vocab, scorers=[scorer], combiner=WeightedSumCombiner({name: 1.0})))
    return evaluate_recommender(rec, task), fit_s, scorer


def topic_accuracy(data: Path, tw_train: list[Post], tw_val: list[Post]) -> list[list[object]]:
    """Held-out accuracy over posts the tag lists label (argmax over the 8 topics)."""
    harrison = posts_of(read_harrison(data / "harrison"))
    clf = TopicClassifier()
    clf.fit(tw_train + [p for p in harrison if split_of(p.id) == "train"])
    rows = []
    cases = [("TweetEval val, caption only (tags removed)", tw_val, True),
             ("TweetEval val, caption + tags", tw_val, False),
             ("HARRISON val (tags only)", [p for p in harrison if split_of(p.id) == "val"], False)]
    for label, posts, caption_only in cases:
        right = n = 0
        for post, gold in zip(posts, clf.labels_of(posts), strict=True):
            if gold is None:
                continue
            text = remove_hashtags(post.text) if caption_only else post.text
            probs = clf.probabilities(clean(text), [] if caption_only else post.all_tag_keys()) or {}
            topics = {k: v for k, v in probs.items() if k != NONE}
            n += 1
            right += bool(topics) and max(topics, key=topics.get) == gold
        rows.append([label, n, f"{100 * right / max(n, 1):.1f}%"])
    return rows


def speed(scorers: list, vocab: Vocab, inputs: list[Post], n: int = 300) -> float:
    """Median ms per post of a text-only suggest with all the given scorers."""
    rec = Recommender(ModelBundle(vocab=vocab, scorers=scorers,
                                  combiner=WeightedSumCombiner({s.name: 1.0 for s in scorers})))
    times = []
    for post in inputs[:n]:
        start = time.perf_counter()
        rec.suggest(post, k=10)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated registry names to run")
    parser.add_argument("--write", action="store_true", help="write the RESULTS.md section")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return
    tw = data / "tweeteval-emoji"
    train, val = posts_of(read_tweeteval(tw / "train_text.txt")), posts_of(read_tweeteval(tw / "val_text.txt"))
    vocab = Vocab.build([p for p in train if p.hashtags], min_count=2, max_size=30000)
    task = build_task(val, "caption")
    only = set(args.only.split(",")) if args.only else None
    rows, fitted = [], {}
    for label, name, params in SCORERS:
        if only and name not in only:
            continue
        metrics, fit_s, scorer = run_scorer(name, params, train, vocab, task)
        fitted.setdefault(name, scorer)
        rows.append([label, f"`{name}` {params or ''}".strip(),
                     *[f"{100 * metrics[m]:.1f}" for m in METRICS], f"{fit_s:.0f}"])
        print(rows[-1], flush=True)
    table = markdown_table(["scorer", "registry name, params", *METRICS, "fit s"], rows)
    together = [s for n, s in fitted.items() if n != "popularity"]
    ms = speed(together, vocab, task.inputs)
    body = (f"TweetEval train ({len(train)} posts) -> val, task `caption` ({len(task.inputs)} posts with tags, "
            f"all hidden); each scorer alone, figures in %.\n\n{table}\n"
            f"Text-only suggest with {', '.join(s.name for s in together)} together: "
            f"**{ms:.1f} ms** median per post (one core).\n")
    if not only or "topic" in only:
        body += "\nText topic classifier, held-out posts labelled by the per-topic tag lists:\n\n"
        body += markdown_table(["posts", "n", "accuracy"], topic_accuracy(data, train, val))
    print(body)
    if args.write:
        write_section("text-scorers", "Text scorers alone (TweetEval caption task)", body)


if __name__ == "__main__":
    main()

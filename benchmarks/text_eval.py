"""The text model's evaluation table, both data sets, every baseline, one command.

    .venv/bin/python benchmarks/text_eval.py [--model DIR] [--limit N]

* TweetEval: val_text.txt (never seen by the default model), caption only,
  every hashtag hidden (also from the caption);
* HARRISON: the hash split 'test' (taglens.evaluate.protocol.split_of; never
  seen by the default model), the first tag given, the rest hidden.

In both, posts that duplicate one of the model's training posts are removed
first (taglens.evaluate.dedup) and counted; a 'with duplicates' row keeps the
old figure beside the honest one.

Rows: the model (learned fusion), all scorers with fixed equal weights, each
scorer alone, the oracle, TF-IDF nearest posts (fitted on the model's own
training posts), WordNet synonyms. Writes the `text_eval` section of
benchmarks/RESULTS.md and a full report (Markdown, JSON, PNG) to
benchmarks/reports/text_eval/.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scripts")]

from _results import publish, shared_data  # noqa: E402

from _tasks import harrison_task, training_of, tweeteval_task  # noqa: E402
from taglens.evaluate.report import evaluation_markdown, write_report  # noqa: E402
from taglens.evaluate.runner import evaluate_all  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

GOALS = ("Goals: TweetEval caption-only A@5 ≥ 20% and P@1 ≥ 10% on *deduplicated* val (issue 18); "
         "HARRISON given1 A@5 ≥ 62% (issue 4). Evaluation posts that copy a training post (same caption "
         "without its tags, token Jaccard ≥ 0.9, or the same list of 6+ tags in order) are removed first; "
         "each table keeps one 'with duplicates' row so the difference stays visible.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model folder (default: the shipped default model)")
    parser.add_argument("--limit", type=int, help="evaluate only the first N posts of each set (a quick look)")
    parser.add_argument("--report", default=str(HERE / "reports" / "text_eval"))
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load(args.model)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    # baselines see the posts the cross-fitted default model was fitted on (_tasks.training_of)
    runs = [("TweetEval val, caption only", tweeteval_task, "tweeteval"),
            ("HARRISON test split, one tag given", harrison_task, "harrison")]
    evaluations, titles = [], []
    for title, build, source in runs:
        log(f"== {title}")
        # posts that copy a training post are set aside (evaluate/dedup.py); the table has a 'with duplicates' row
        tasks = build(data, args.limit)
        evaluations.append(evaluate_all(rec, tasks, train=training_of(data, source), log=log))
        titles.append(title)
    report = write_report(evaluations, args.report, titles)
    body = [GOALS + "\n\n",
            f"Model: `{rec.bundle.path}` (scorers: {', '.join(s.name for s in rec.scorers)}; "
            f"combiner: {rec.combiner.name}). Full report with charts: "
            f"`{report.relative_to(HERE.parent) if report.is_relative_to(HERE.parent) else report}`.\n\n"]
    body += [evaluation_markdown(ev, t) + "\n" for t, ev in zip(titles, evaluations, strict=True)]
    return publish("text_eval", "Text model evaluation (TweetEval + HARRISON)", "".join(body))


if __name__ == "__main__":
    sys.exit(main())

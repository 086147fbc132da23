"""`taglens evaluate`: hide tags, ask the model and every baseline, score them.

    taglens evaluate --model DIR --data posts.jsonl --task caption [--train train.jsonl] [--report DIR]

Prints one table (the model, fixed weights, each scorer alone, the oracle,
TF-IDF nearest posts when --train is given, WordNet synonyms when WordNet is
installed); --report also writes Markdown, JSON and PNG charts.
"""

from __future__ import annotations

import argparse
import json
import sys

from taglens.errors import InputError
from taglens.evaluate.metrics import METRIC_NAMES
from taglens.evaluate.protocol import TASKS, build_task, evaluate_recommender
from taglens.post import Post, read_jsonl


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="measure a model and the baselines on posts whose tags they must recover")
    p.add_argument("--model", help="model folder or shipped name (default: the shipped model)")
    p.add_argument("--data", required=True, help="taglens JSONL of evaluation posts")
    p.add_argument("--task", choices=TASKS, default="given1",
                   help="what the model sees: the caption only, one given tag, or half the tags")
    p.add_argument("--train", help="taglens JSONL of the model's training posts: evaluation posts that copy one "
                   "are removed (and counted), and TF-IDF nearest posts is run")
    p.add_argument("--keep-duplicates", action="store_true",
                   help="keep evaluation posts that copy a training post (default: removed, with --train)")
    p.add_argument("--report", metavar="DIR", help="write report.md, results.json and PNG charts here")
    p.add_argument("--model-only", action="store_true", help="skip the baselines and the ablation")
    p.add_argument("-k", type=int, default=10, help="how many hashtags each system ranks")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(handler=run_evaluate)


def read_posts(path: str) -> list[Post]:
    posts, errors = [], 0
    for _, item in read_jsonl(path):
        if isinstance(item, InputError):
            errors += 1
            print(f"taglens: skipped {item}", file=sys.stderr)
        else:
            posts.append(item)
    if not posts:
        raise InputError(f"{path}: no usable posts")
    return posts


def run_evaluate(args: argparse.Namespace) -> int:
    from taglens.recommend import Recommender

    if args.k < 1:
        raise InputError("-k must be at least 1")
    rec = Recommender.load(args.model)
    train = read_posts(args.train) if args.train else None
    tasks = build_task(read_posts(args.data), args.task, train=None if args.keep_duplicates else train)
    if not tasks.inputs:
        raise InputError(f"{args.data}: no post has enough tags for task {args.task!r}")
    if args.model_only:
        return _print_model_only(rec, tasks, args)
    from taglens.evaluate.report import systems_table, write_report
    from taglens.evaluate.runner import evaluate_all

    ev = evaluate_all(rec, tasks, train=train, log=lambda m: print(f"taglens: {m}", file=sys.stderr))
    if args.report:
        path = write_report([ev], args.report, [args.task])
        print(f"taglens: report written to {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(ev.to_dict()))
    else:
        print(f"task {args.task}: {ev.n} posts ({ev.skipped} skipped)")
        print(systems_table(ev.systems), end="")
        for note in ev.notes:
            print(f"note: {note}")
    return 0


def _print_model_only(rec, tasks, args: argparse.Namespace) -> int:  # noqa: ANN001
    metrics = evaluate_recommender(rec, tasks, k=args.k)
    metrics["skipped"] = tasks.skipped
    if tasks.dedup is not None:
        metrics["dedup"] = tasks.dedup.to_dict()
    if args.json:
        print(json.dumps(metrics))
    else:
        print(f"task {args.task}: {metrics['n']} posts ({tasks.skipped} skipped)")
        if tasks.dedup is not None:
            print(f"note: {tasks.dedup.describe()}")
        print("  ".join(f"{m} {100 * metrics[m]:.2f}" for m in METRIC_NAMES if m in metrics))
    return 0

"""`taglens evaluate`: hide tags, ask the model, score it."""

from __future__ import annotations

import argparse
import json
import sys

from taglens.errors import InputError
from taglens.evaluate.metrics import METRIC_NAMES
from taglens.evaluate.protocol import TASKS, build_task, evaluate_recommender
from taglens.post import Post, read_jsonl


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="measure a model on posts whose tags it must recover")
    p.add_argument("--model", help="model folder or shipped name (default: the shipped model)")
    p.add_argument("--data", required=True, help="taglens JSONL of evaluation posts")
    p.add_argument("--task", choices=TASKS, default="given1")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--json", action="store_true")
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

    rec = Recommender.load(args.model)
    tasks = build_task(read_posts(args.data), args.task)
    metrics = evaluate_recommender(rec, tasks, k=args.k)
    metrics["skipped"] = tasks.skipped
    if args.json:
        print(json.dumps(metrics))
    else:
        print(f"task {args.task}: {metrics['n']} posts ({tasks.skipped} skipped)")
        print("  ".join(f"{m} {100 * metrics[m]:.2f}" for m in METRIC_NAMES if m in metrics))
    return 0

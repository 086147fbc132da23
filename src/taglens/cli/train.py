"""`taglens train`: fit a model folder from a corpus."""

from __future__ import annotations

import argparse
import sys

from taglens.corpus import Corpus
from taglens.splits import split_of_post
from taglens.models.train import load_config, train_model
from taglens.models.model_dir import save_model


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a model folder from a corpus")
    p.add_argument("--db", required=True, action="append", help="corpus SQLite file (repeatable)")
    p.add_argument("--out", required=True, help="model folder to write")
    p.add_argument("--config", help="training config JSON (default: the built-in config)")
    p.add_argument("--holdout", action="store_true",
                   help="train on the hash split 'train' only, keeping 'val' for the combiner and 'test' unseen")
    p.set_defaults(handler=run_train)


def run_train(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    posts = []
    for db in args.db:
        with Corpus(db, create=False) as corpus:
            posts.extend(corpus.iter_posts())
    excluded = {"val", "test"} if args.holdout else {"val"}
    # split by content: a post that copies another (same caption, same long tag list) lands beside it
    train = [p for p in posts if split_of_post(p) not in excluded]
    val = [p for p in posts if split_of_post(p) == "val"]
    bundle = train_model(train, config, validation=val, provenance={"corpora": args.db},
                         log=lambda m: print(m, file=sys.stderr))
    path = save_model(bundle, args.out)
    print(f"model written to {path}: {len(bundle.vocab)} tags, scorers "
          + ", ".join(s.name for s in bundle.scorers))
    return 0

"""`taglens batch`: suggestions for a large JSONL file of posts, in parallel and resumable."""

from __future__ import annotations

import argparse
import sys

from taglens.cli.labels import model_with_labels
from taglens.cli.suggest import add_profile_arguments
from taglens.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "batch", help="suggest hashtags for a large JSONL file of posts (process pool or Spark; resumable)")
    p.add_argument("input", metavar="POSTS.jsonl", help="taglens JSONL posts (a file: a batch is resumable)")
    p.add_argument("--out", "-o", required=True, metavar="PATH",
                   help="output JSONL (same lines as `suggest --jsonl`); with --shards a folder")
    p.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local: a process pool (default); spark: Spark tasks (pip install 'taglens[spark]')")
    p.add_argument("--workers", "-j", type=int, default=1,
                   help="worker processes (local) or local-mode cores (spark); default 1")
    p.add_argument("--chunk-size", type=int, default=1000, metavar="N",
                   help="posts per chunk: the unit of work and of resuming (default 1000)")
    p.add_argument("--in-flight", type=int, metavar="N", help="chunks handed out at once (default 2 per worker)")
    p.add_argument("--shards", action="store_true",
                   help="write --out as a folder of per-chunk files plus batch.json instead of one file")
    p.add_argument("--restart", action="store_true", help="discard the finished chunks of an earlier run")
    p.add_argument("--spark-master", metavar="URL", help="Spark master (default: spark-submit's, else local)")
    p.add_argument("-k", type=int, default=10, help="how many hashtags (default 10)")
    p.add_argument("--model", metavar="DIR", help="model folder or shipped name (default: the shipped model)")
    p.add_argument("--labels", action="append", default=[], metavar="HEAD_DIR",
                   help="a labels head from `taglens train-labels` (repeatable)")
    p.add_argument("--camel", action="store_true", help="add each tag's CamelCase display form")
    p.add_argument("--allow-banned", action="store_true", help="do not filter spam / banned-style tags")
    p.add_argument("--banned", metavar="FILE", help="extra tags to filter, one a line")
    p.add_argument("--platform", metavar="NAME", help="trim to a platform's hashtag limit")
    p.add_argument("--fallback", choices=("none", "popular"), default="none",
                   help="for a post with nothing to go on: none gives [] and a warning; popular lists "
                        "the most frequent tags (default none)")
    p.add_argument("--allow", metavar="RULES", help="switch grounding rules off: comma list of place,event,brand,junk,variants,broader,rare (default: none; see README, Grounded suggestions)")
    p.add_argument("--tag-language", choices=("any", "caption", "en"), default="any", help="which language the tags are in: any (default: the caption's language first, then English and neutral tags that fit), caption, en")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    add_profile_arguments(p)
    p.set_defaults(handler=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    from taglens.batch import suggest_file
    from taglens.recommend.filters import default_banned, read_tag_list

    if args.k < 1:
        raise InputError("-k must be at least 1")
    banned = None
    if args.banned:
        banned = default_banned() | read_tag_list(args.banned)

    def on_error(error: InputError) -> None:
        print(f"taglens: skipped {error}", file=sys.stderr)

    progress = not args.quiet and sys.stderr.isatty()

    def on_chunk(done: int, _count: int) -> None:
        if progress:
            print(f"\rtaglens batch: {done:,} posts", end="", file=sys.stderr, flush=True)

    result = suggest_file(model_with_labels(args.model, args.labels), args.input, args.out, k=args.k, workers=args.workers, engine=args.engine,
                          chunk_size=args.chunk_size, shards=args.shards, restart=args.restart, banned=banned,
                          allow_banned=args.allow_banned, platform=args.platform, camel=args.camel,
                          fallback=args.fallback, tag_language=args.tag_language,
                          in_flight=args.in_flight, spark_master=args.spark_master, allow=args.allow,
                          on_error=on_error, on_chunk=on_chunk, profile=args.profile, history=args.history)
    if not args.quiet:
        resumed = f", {result.chunks_resumed} resumed" if result.chunks_resumed else ""
        lead = "\r" if progress else ""
        print(f"{lead}taglens batch: {result.posts:,} posts in {result.chunks} chunks{resumed}, "
              f"{result.errors} bad line(s) skipped, {result.seconds:.1f} s -> {result.out_path}", file=sys.stderr)
    return 1 if result.errors else 0

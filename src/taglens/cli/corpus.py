"""`taglens import`, `taglens corpus stats` and `taglens corpus export`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from taglens.corpus import IMPORTERS, Corpus, import_posts
from taglens.post import write_jsonl


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser("import", help="import posts into a corpus")
    imp.add_argument("format", choices=sorted(IMPORTERS), metavar="FORMAT",
                     help=f"one of: {', '.join(sorted(IMPORTERS))}")
    imp.add_argument("path", help="file or folder to read")
    imp.add_argument("--db", required=True, help="corpus SQLite file (created if missing)")
    imp.set_defaults(handler=run_import)

    corpus = subparsers.add_parser("corpus", help="inspect or export a corpus")
    sub = corpus.add_subparsers(dest="corpus_command", metavar="ACTION", parser_class=type(corpus))
    stats = sub.add_parser("stats", help="counts, top tags and per-topic counts")
    stats.add_argument("--db", required=True, help="corpus SQLite file")
    stats.add_argument("--top", type=int, default=20, help="how many of the most frequent tags to list")
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")
    stats.set_defaults(handler=run_stats)
    export = sub.add_parser("export", help="write the posts as taglens JSONL")
    export.add_argument("--db", required=True, help="corpus SQLite file")
    export.add_argument("--out", default="-", help="output file (default stdout)")
    export.add_argument("--topic", help="only the posts labelled with this topic")
    export.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    with Corpus(args.db) as corpus:
        report = import_posts(corpus, args.format, args.path)
    for error in report.errors[:50]:
        print(f"taglens: {args.path}: {error}", file=sys.stderr)
    if len(report.errors) > 50:
        print(f"taglens: … and {len(report.errors) - 50} more errors", file=sys.stderr)
    print(f"{args.format} {args.path}: {report.summary()}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    with Corpus(args.db, create=False) as corpus:
        stats = corpus.stats(top=args.top)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    print(f"posts {stats['posts']}, hashtags {stats['hashtags']}, "
          f"post-hashtag links {stats['post_hashtags']}, media files {stats['media']}")
    print("by source: " + ", ".join(f"{s} {n}" for s, n in stats["sources"].items()))
    print("by topic:  " + ", ".join(f"{t} {n}" for t, n in stats["topics"].items()))
    print("top hashtags:")
    for display, n in stats["top_hashtags"]:
        print(f"  {display:<30} {n}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    with Corpus(args.db, create=False) as corpus:
        posts = corpus.iter_posts(topic=args.topic)
        if args.out == "-":
            count = write_jsonl(posts, sys.stdout)
        else:
            with open(Path(args.out), "w", encoding="utf-8") as handle:
                count = write_jsonl(posts, handle)
    print(f"exported {count} posts", file=sys.stderr)
    return 0

"""`taglens collect`: crawl posts for seed hashtags into a corpus, resumably.

    taglens collect --source mastodon --instance https://mastodon.social --db corpus.sqlite
    taglens collect --seeds my_topics.toml --source local --path dump.jsonl --db corpus.sqlite

The crawler is imported only when the command runs: it needs httpx (taglens[full]),
and a core install must still offer every other command.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING

from taglens.errors import InputError

if TYPE_CHECKING:
    from taglens.collect.sources.base import Source

SOURCES = ("mastodon", "instagram", "local")


DESCRIPTION = """\
Crawl posts for seed hashtags into a corpus. Stop it at any time: run the same
command again and it continues where it stopped.

examples:
  taglens collect --source mastodon --instance https://mastodon.social --db corpus.sqlite
  taglens collect --seeds my_topics.toml --source local --path dump.jsonl --db corpus.sqlite

Respect each server's rules and robots.txt, and do not lower --interval below
what the server allows (see the README's "Terms you must respect")."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("collect", help="crawl posts for seed hashtags into a corpus (resumable)",
                              description=DESCRIPTION)
    p.add_argument("--seeds", help="TOML seeds file (default: the 8 shipped topics)")
    p.add_argument("--source", required=True, choices=SOURCES,
                   help="where posts come from: a Mastodon/Pixelfed server, your Instagram session, or local files")
    p.add_argument("--instance", help="mastodon: server URL, e.g. https://mastodon.social or a Pixelfed server")
    p.add_argument("--path", help="local: a JSONL file or a folder of them")
    p.add_argument("--db", required=True, help="corpus SQLite file (created if missing; holds the crawl state)")
    p.add_argument("--target-posts", type=int, default=200, help="posts to collect per topic (default 200)")
    p.add_argument("--max-rounds", type=int, default=3, help="expansion rounds (default 3)")
    p.add_argument("--tags-per-round", type=int, default=10, help="new hashtags tried per topic per round")
    p.add_argument("--pages-per-tag", type=int, default=5, help="pages per hashtag per round")
    p.add_argument("--min-relevance", type=float, default=0.35,
                   help="how close to the topic a new hashtag must be (0-1; higher keeps fewer)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between requests to one host")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds before a request times out")
    p.add_argument("--max-image-mb", type=float, default=8.0, help="images larger than this are skipped (MB)")
    p.add_argument("--all-posts", action="store_true", help="mastodon: also posts without media")
    p.add_argument("--token", help="mastodon: access token, only for servers that require one "
                                   "(or set TAGLENS_MASTODON_TOKEN)")
    p.add_argument("--ig-user", help="instagram: your username; its session comes from `instaloader --login`")
    p.add_argument("--ig-session-file", help="instagram: session file (default: instaloader's)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="log each page and each chosen hashtag")
    p.set_defaults(handler=run_collect)


def _check(args: argparse.Namespace) -> None:
    for name in ("target_posts", "max_rounds", "tags_per_round", "pages_per_tag"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1")
    if args.interval < 0 or args.timeout <= 0 or args.max_image_mb <= 0:
        raise InputError("--interval must be >= 0, --timeout and --max-image-mb > 0")


def build_source(args: argparse.Namespace) -> Source:
    """The source named by --source, configured from the politeness options."""
    from taglens.collect.http import HttpConfig, PoliteClient

    http = HttpConfig(min_interval=args.interval, timeout=args.timeout,
                      max_media_bytes=int(args.max_image_mb * 1024 * 1024))
    if args.source == "mastodon":
        from taglens.collect.sources.mastodon import MastodonSource, normalise_instance

        token = args.token or os.environ.get("TAGLENS_MASTODON_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        return MastodonSource(normalise_instance(args.instance or ""), PoliteClient(http, headers=headers),
                              only_media=not args.all_posts)
    if args.source == "instagram":
        from taglens.collect.sources.instagram import InstagramSource

        http.min_interval = max(http.min_interval, 2.0)
        return InstagramSource(args.ig_user, args.ig_session_file, client=PoliteClient(http))
    if not args.path:
        raise InputError("--path is required for the local source")
    from taglens.collect.sources.local import LocalSource

    return LocalSource(args.path, max_media_bytes=http.max_media_bytes)


def run_collect(args: argparse.Namespace) -> int:
    _check(args)
    try:
        from taglens.collect import CrawlConfig, Crawler, Expander, default_relevance, load_seeds
        from taglens.collect.expand import default_evidence
    except ModuleNotFoundError as exc:
        raise InputError(f"taglens collect needs {exc.name}: pip install 'taglens[full]'") from None
    from taglens.corpus import Corpus
    from taglens.recommend.filters import default_banned

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="taglens: %(message)s", stream=sys.stderr)
    seeds = load_seeds(args.seeds)
    config = CrawlConfig(target_posts=args.target_posts, max_rounds=args.max_rounds,
                         tags_per_round=args.tags_per_round, max_pages_per_tag=args.pages_per_tag,
                         progress=not args.quiet)
    source = build_source(args)  # before the model loads, so option errors come at once
    try:
        expander = Expander(default_relevance(), min_relevance=args.min_relevance,
                            banned=frozenset(default_banned()), evidence=default_evidence())
        with Corpus(args.db) as corpus:
            crawler = Crawler(corpus, source, seeds, expander, config)
            try:
                summary = crawler.run()
            except KeyboardInterrupt:
                print("taglens: interrupted; every committed page is kept - run the same command to resume",
                      file=sys.stderr)
                return 130
    finally:
        source.close()
    _report(getattr(source, "warnings", []) + summary.notes)
    print(summary.render())
    return 0


def _report(lines: list[str], limit: int = 20) -> None:
    """Source warnings and skipped images on stderr, the first `limit` of them."""
    for line in lines[:limit]:
        print(f"taglens: {line}", file=sys.stderr)
    if len(lines) > limit:
        print(f"taglens: ... and {len(lines) - limit} more notes", file=sys.stderr)

"""`taglens segment`: split hashtags into words (`sunsetlover` -> `sunset lover`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import BinaryIO

from taglens.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "segment", help="split hashtags into words",
        description="Split hashtags into words. With no TAG, read one hashtag per line on stdin "
                    "and print one line per input line, in order.")
    p.add_argument("tags", nargs="*", metavar="TAG", help="hashtags, with or without '#'")
    p.add_argument("--camel", action="store_true", help="print the CamelCase hashtag (#SunsetLover)")
    p.add_argument("--lang", help="the tags' language (es, pt, de, fr, it, nl, id, tr: its own lexicon; default English)")
    p.set_defaults(handler=run_segment)


def stdin_lines(stream: BinaryIO) -> Iterator[str]:
    """Lines of a UTF-8 byte stream without their line ends; a clear error on other encodings."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"stdin line {number} is not UTF-8 text") from None
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield line.rstrip("\r\n")


def run_segment(args: argparse.Namespace) -> int:
    from taglens.text.display import camel_case
    from taglens.text.segment import Segmenter, segment

    Segmenter.load()  # a broken install fails here, once, before any output
    tags = args.tags if args.tags else stdin_lines(sys.stdin.buffer)
    out = sys.stdout
    for tag in tags:
        words = segment(tag) if not args.lang else _language_words(tag, args.lang)
        if args.camel:
            out.write((camel_case(tag, args.lang) if words else "") + "\n")
        else:
            out.write(" ".join(words) + "\n")
    out.flush()
    return 0


def _language_words(tag: str, lang: str) -> list[str]:
    from taglens.text.segment import segment_language

    return segment_language(tag, lang)


"""The `taglens` command: a thin layer of argument parsing over the Python API.

Each subcommand lives in its own module with a `register(subparsers)` function
that adds its parser and sets `handler`; no logic lives here. Every user error
is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from taglens.errors import TaglensError

# Subcommand modules, in the order `taglens --help` lists them.
COMMANDS = (
    "taglens.cli.suggest",
    "taglens.cli.batch",
    "taglens.cli.corpus",
    "taglens.cli.train",
    "taglens.cli.evaluate",
    "taglens.cli.segment",
    "taglens.cli.collect",
    "taglens.cli.serve",
    "taglens.cli.labels",
    "taglens.cli.profile",
)

EXIT_USER_ERROR = 2


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default, unless the help already says it.

    Why: users tune `--interval` or `--timeout` by reading `--help`; a default they
    cannot see is a default they cannot reason about. Flags (False), unset options
    (None) and empty lists have no default worth printing.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if ("default" in text.lower() or default in (None, False, "", argparse.SUPPRESS)
                or default == [] or not action.option_strings or action.help == argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and defaults in every command's help."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's own signature
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> Parser:
    from taglens import __version__

    parser = Parser(prog="taglens", description="Offline-first multimodal hashtag generator.")
    parser.add_argument("--version", action="version", version=f"taglens {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module_name in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # a command not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """taglens's own warnings as one line in words; other libraries' warnings as Python shows them."""
    if f"{__package__.split('.')[0]}{os.sep}" in str(filename) and issubclass(category, UserWarning):
        print(f"taglens: note: {message}", file=file or sys.stderr)
        return
    _default_show_warning(message, category, filename, lineno, file, line)


_default_show_warning = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    warnings.showwarning = _show_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USER_ERROR
    try:
        return int(args.handler(args) or 0)
    except TaglensError as exc:
        print(f"taglens: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except FileNotFoundError as exc:
        print(f"taglens: error: no such file: {exc.filename}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("taglens: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); not an error
        return 0


if __name__ == "__main__":
    sys.exit(main())

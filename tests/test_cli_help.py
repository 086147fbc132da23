"""Issue 17 #9: every command's --help shows its defaults and speaks to users."""

from __future__ import annotations

import argparse

import pytest

from taglens.cli import build_parser


def commands(parser: argparse.ArgumentParser, prefix: str = "taglens"):
    """(name, parser) for every command and sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from commands(sub, f"{prefix} {name}")


ALL = list(commands(build_parser()))


def test_every_command_is_checked():
    names = {name for name, _ in ALL}
    assert {"taglens suggest", "taglens collect", "taglens batch", "taglens corpus stats", "taglens serve"} <= names


@pytest.mark.parametrize("name,parser", ALL, ids=[n for n, _ in ALL])
def test_options_have_help_and_show_their_defaults(name, parser):
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS or action.dest == "help":
            continue
        assert action.help, f"{name} {action.option_strings[0]} has no help"
        default = action.default
        if default in (None, False, "", []):
            continue
        helped = " ".join(parser._get_formatter()._expand_help(action).split()) if action.help else ""
        assert "default" in helped.lower(), f"{name} {action.option_strings[0]}: default {default!r} not shown"
    assert "core install" not in text and "imported only when" not in text, f"{name}: a developer note in --help"


def test_collect_help_shows_the_politeness_defaults(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["collect", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for needle in ("requests to one host (default: 1.0)", "times out (default: 20.0)", "(default: 0.35)",
                   "per round (default: 10)", "per round (default: 5)"):
        assert needle in out

"""Seed files: the topics of a crawl and the hashtags each one starts from.

A seeds file is TOML, so a user can write one by hand and comment it:

    [topics.travel]
    description = "travel, trips and tourism"      # optional, steers relevance
    seeds = ["#travel", "#solotravel", "wanderlust"]

The topic name labels every post the crawl stores for it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from taglens.errors import InputError
from taglens.hashtags import parse_hashtag


@dataclass(frozen=True, slots=True)
class Topic:
    """A crawl topic: its label, its seed hashtags (keys, no '#') and a description."""

    name: str
    seeds: tuple[str, ...]
    description: str = ""

    @property
    def relevance_text(self) -> str:
        """What a candidate hashtag is compared with: the name and the description."""
        return f"{self.name}: {self.description}" if self.description else self.name


@dataclass(frozen=True, slots=True)
class Seeds:
    """The topics of one crawl, in file order."""

    topics: tuple[Topic, ...]
    origin: str = ""


def default_seeds_path() -> Path:
    """The shipped seeds: the original project's 8 topics."""
    return Path(str(resources.files("taglens") / "data" / "seeds" / "default.toml"))


def load_seeds(path: str | Path | None = None) -> Seeds:
    """Read a seeds file (the shipped default when `path` is None); InputError names the fault."""
    path = Path(path) if path is not None else default_seeds_path()
    if not path.is_file():
        raise InputError(f"no such seeds file: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML seeds file ({exc})") from None
    return parse_seeds(data, origin=str(path))


def parse_seeds(data: dict, origin: str = "") -> Seeds:
    """Validate the parsed TOML: every topic needs at least one well-formed seed."""
    topics_table = data.get("topics")
    if not isinstance(topics_table, dict) or not topics_table:
        raise InputError(f"{origin}: a seeds file needs at least one [topics.NAME] table")
    topics = [_parse_topic(name, body, origin) for name, body in topics_table.items()]
    return Seeds(topics=tuple(topics), origin=origin)


def _parse_topic(name: str, body: object, origin: str) -> Topic:
    where = f"{origin}: topic {name!r}"
    if not isinstance(body, dict):
        raise InputError(f"{where} must be a table with a `seeds` list")
    raw = body.get("seeds")
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        raise InputError(f"{where} needs `seeds`, a non-empty list of hashtags")
    keys: list[str] = []
    for seed in raw:
        try:
            key = parse_hashtag(seed).key
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
        if key not in keys:
            keys.append(key)
    description = body.get("description", "")
    if not isinstance(description, str):
        raise InputError(f"{where}: `description` must be a string")
    return Topic(name=name, seeds=tuple(keys), description=description.strip())

"""The one post type, its suggestion output and the one JSONL form.

A post on disk (taglens JSONL, one object a line):

    {"id": "p1", "text": "sunset at the pier", "hashtags": ["#travel"],
     "images": ["pier.jpg"], "video": null, "topic": null}

`source` and `meta` are optional. Image and video paths are relative to the JSONL
file's folder unless absolute.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from taglens.errors import InputError
from taglens.hashtags import extract_hashtags, hashtag_key, parse_hashtag

POST_FIELDS = ("id", "text", "hashtags", "images", "video", "topic", "source", "meta")
_TAG_SPLIT = re.compile(r"[\s,]+")


def parse_tag_list(value: Any, field_name: str = "hashtags") -> list[str]:
    """The tags of a post, checked: a list of tags, or one string of them ('#a #b, c').

    The one rule for every interface (Python, JSONL, CLI, API): each tag must be a
    hashtag by `taglens.hashtags` (so `#123` is refused everywhere), and the result
    is their display forms in order. InputError names the first bad one.
    """
    if value is None:
        return []
    if isinstance(value, str):
        items: list[Any] = [t for t in _TAG_SPLIT.split(value) if t]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise InputError(f"'{field_name}' must be a list of hashtags or one string of them")
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"'{field_name}' must hold strings, not {type(item).__name__}")
        if not item.strip():
            continue
        try:
            tags.append(_display_of(item))
        except ValueError as exc:
            raise InputError(f"{field_name}: {exc}") from None
    return tags


@functools.lru_cache(maxsize=200_000)
def _display_of(tag: str) -> str:
    """parse_hashtag's display form, cached: corpora repeat the same tags over and over."""
    return parse_hashtag(tag).display


@dataclass(slots=True)
class Post:
    """One social-media post: caption, tags already on it, media, optional topic."""

    id: str = ""
    text: str = ""
    hashtags: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    video: str | None = None
    topic: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Check every field once, here, so Python, JSONL, the CLI and the API accept the same posts."""
        for name in ("id", "text"):
            if not isinstance(getattr(self, name), str):
                raise InputError(f"'{name}' must be a string")
        self.hashtags = parse_tag_list(self.hashtags)
        if isinstance(self.images, str) or not isinstance(self.images, (list, tuple)) or not all(
                isinstance(p, str) for p in self.images):
            raise InputError("'images' must be a list of paths")
        self.images = list(self.images)
        for name in ("video", "topic", "source"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InputError(f"'{name}' must be a string or null")
        if not isinstance(self.meta, dict):
            raise InputError("'meta' must be an object")

    @property
    def tag_keys(self) -> list[str]:
        """Canonical keys of the tags on the post, in order, no duplicates."""
        keys: list[str] = []
        for tag in self.hashtags:
            key = hashtag_key(tag)
            if key and key not in keys:
                keys.append(key)
        return keys

    def all_tag_keys(self) -> list[str]:
        """Keys of the listed tags and of any tag written in the caption."""
        keys = self.tag_keys
        for tag in extract_hashtags(self.text):
            if tag.key not in keys:
                keys.append(tag.key)
        return keys

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["source"]:
            data.pop("source")
        if not data["meta"]:
            data.pop("meta")
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any, base_dir: Path | None = None) -> "Post":
        """Build a post from its JSON object; raise InputError naming what is wrong."""
        if not isinstance(data, dict):
            raise InputError("a post must be a JSON object")
        unknown = set(data) - set(POST_FIELDS)
        if unknown:
            raise InputError(f"unknown field(s): {', '.join(sorted(unknown))}")
        images = data.get("images") or []
        if not isinstance(images, list) or not all(isinstance(p, str) for p in images):
            raise InputError("'images' must be a list of paths")
        video = data.get("video")
        if video is not None and not isinstance(video, str):
            raise InputError("'video' must be a path or null")
        post_id = data.get("id")
        return cls(  # __post_init__ checks the rest, as for a Post built in Python
            id="" if post_id is None else str(post_id),
            text=data.get("text") or "",
            hashtags=data.get("hashtags") or [],
            images=[_resolve(p, base_dir) for p in images],
            video=_resolve(video, base_dir) if video else None,
            topic=data.get("topic") or None,
            source=data.get("source") or None,
            meta=data.get("meta") or {},
        )


def _resolve(path: str, base_dir: Path | None) -> str:
    if base_dir is None or Path(path).is_absolute():
        return path
    return str(base_dir / path)


@dataclass(slots=True)
class Suggestion:
    """One suggested hashtag: display form, canonical key, score and evidence."""

    tag: str
    key: str
    score: float
    evidence: list[str] = field(default_factory=list)
    reach: str | None = None
    display: str | None = None  # CamelCase form (#SunsetLover), when asked for
    kind: str | None = None  # place | event | brand | junk | content (text/tagkinds.py)
    # what the pictures showed: [{"source": "image", "concept": "cat", "score": 0.97}, {"source": "labels/flowers", ...}]
    evidence_detail: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tag": self.tag, "score": round(float(self.score), 4), "evidence": self.evidence}
        if self.kind:
            data["kind"] = self.kind
        if self.reach:
            data["reach"] = self.reach
        if self.display:
            data["display"] = self.display
        if self.evidence_detail:
            data["evidence_detail"] = self.evidence_detail
        return data


@dataclass(slots=True)
class TopicPrediction:
    label: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(float(self.score), 4)}


@dataclass(slots=True)
class Prediction:
    """What the recommender returns for one post."""

    id: str
    hashtags: list[Suggestion]
    topic: TopicPrediction | None = None
    warnings: list[str] = field(default_factory=list)
    language: str | None = None  # the caption's detected language (ISO 639-1, 'und'), text/language.py

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "hashtags": [s.to_dict() for s in self.hashtags]}
        if self.language:
            data["language"] = self.language
        if self.topic is not None:
            data["topic"] = self.topic.to_dict()
        if self.warnings:
            data["warnings"] = self.warnings
        return data


def check_input_file(path: str | Path, what: str = "file") -> Path:
    """A path the user gave for reading must be a regular file; say which way it is not.

    Why: 'no such file' for a folder or for /dev/null sends the user looking for a
    file that is right there.
    """
    where = Path(path)
    if where.is_dir():
        raise InputError(f"{path} is a folder, not a {what}")
    if not where.exists():
        raise InputError(f"no such {what}: {path}")
    if not where.is_file():
        raise InputError(f"{path} is not a regular file (a device, pipe or socket); give a {what}")
    return where


def json_error(exc: json.JSONDecodeError, line_no: int | None = None) -> str:
    """'line 3, column 14: bad JSON: invalid control character (a raw tab or newline in a string?)'."""
    reason = exc.msg.removesuffix(" at").strip()
    hint = " (a raw tab or line break inside a string? write it as \\t or \\n)" if "control character" in reason else ""
    where = f"line {line_no}: " if line_no is not None else ""
    column = exc.pos + 1  # one JSONL line: its only line break is the last character
    return f"{where}bad JSON at column {column}: {reason[:1].lower()}{reason[1:]}{hint}"


def read_jsonl(source: str | Path | TextIO) -> Iterator[tuple[int, Post | InputError]]:
    """Yield (line number, Post or the error for that line) from taglens JSONL.

    Errors are yielded, not raised, so that one bad row never stops a batch; the
    caller decides whether to report or abort. Blank lines are skipped.
    """
    if isinstance(source, (str, Path)):
        path = check_input_file(source)
        base_dir = path.parent
        handle: TextIO = open(path, "rb")  # noqa: SIM115 - closed below
        close = True
    else:
        base_dir = Path.cwd()
        handle = source
        close = False
    try:
        for line_no, raw in enumerate(handle, start=1):
            line = _decode(raw, line_no)
            if isinstance(line, InputError):
                yield line_no, line
                continue
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_no, InputError(json_error(exc, line_no))
                continue
            try:
                yield line_no, Post.from_dict(data, base_dir)
            except InputError as exc:
                yield line_no, InputError(f"line {line_no}: {exc}")
    finally:
        if close:
            handle.close()


def _decode(raw: bytes | str, line_no: int) -> str | InputError:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
    except UnicodeDecodeError:
        return InputError(f"line {line_no}: not UTF-8 text")


def write_jsonl(items: Iterable[Post | Prediction], out: TextIO | io.TextIOBase) -> int:
    """Write posts or predictions as JSON lines; return how many were written."""
    count = 0
    for item in items:
        out.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count

"""Profiles on disk: one SQLite file per profile in the user's data folder, user-only.

Where: `$TAGLENS_PROFILES` when set, else platformdirs' user data folder
(`~/.local/share/taglens/profiles` on Linux). The folder is 0700 and each file
0600: a profile is personal data. Nothing here opens a socket.

Why one file per profile: `taglens profile delete NAME` forgets a person by
removing one file (and its journal), with no row left behind in a shared
database. Every write goes to a temporary file that replaces the old one, so a
failed import or an interrupted save changes nothing.

The JSON export holds the same data (embeddings as base64 float16; the trust fitted on
the user's own history, profile/selftrust.py, as `self_trust`). Importing
validates every field before anything is written; a file that fails gets one
clear error naming what is wrong.
"""

from __future__ import annotations

import base64
import json
import math
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from taglens.errors import InputError
from taglens.hashtags import parse_hashtag
from taglens.profile.selftrust import self_trust_from_json
from taglens.profile.words import MAX_WORD_CHARS, MAX_WORDS
from taglens.profile.model import (
    IMAGE_DIM, TEXT_DIM, VERDICTS, Feedback, Profile, ProfilePost, check_name, stored_vector,
)

FORMAT = "taglens-profile"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 512 * 1024 * 1024
MAX_POSTS = 200_000
MAX_TAGS_PER_POST = 200
MAX_FEEDBACK = 1_000_000
SUFFIX = ".sqlite"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (id TEXT NOT NULL, time REAL NOT NULL, origin TEXT NOT NULL,
                    tags TEXT NOT NULL, text BLOB, image BLOB, words TEXT);
CREATE TABLE feedback (tag TEXT NOT NULL, verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected')),
                       time REAL NOT NULL);
CREATE TABLE tags (key TEXT PRIMARY KEY, display TEXT NOT NULL, count INTEGER NOT NULL, last_used REAL NOT NULL);
CREATE TABLE cooccurrence (a TEXT NOT NULL, b TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (a, b));
"""


def default_root() -> Path:
    env = os.environ.get("TAGLENS_PROFILES")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("taglens", appauthor=False)) / "profiles"


class ProfileStore:
    """The profiles of this machine's user: create, read, list, delete, export, import."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()

    def _ensure_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}{SUFFIX}"

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name[: -len(SUFFIX)] for p in self.root.glob(f"*{SUFFIX}") if p.is_file())

    def load(self, name: str) -> Profile:
        path = self.path(name)
        if not path.is_file():
            raise InputError(f"no profile named {name!r} (see `taglens profile list`)")
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                return _read_db(conn, name)
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"profile {name!r} is unreadable ({exc})") from None

    def save(self, profile: Profile) -> Path:
        """Write the whole profile atomically (temp file, 0600, then replace)."""
        target = self.path(profile.name)
        self._ensure_root()
        fd, tmp = tempfile.mkstemp(prefix=f".{profile.name}.", suffix=".tmp", dir=self.root)
        os.close(fd)
        try:
            os.chmod(tmp, 0o600)
            conn = sqlite3.connect(tmp)
            try:
                _write_db(conn, profile)
                conn.commit()
            finally:
                conn.close()
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def delete(self, name: str) -> bool:
        """Forget a profile: its file and any journal. False when there was none."""
        path = self.path(name)
        found = path.is_file()
        for extra in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        return found

    def update(self, name: str, change: Callable[[Profile], Profile]) -> Profile:
        profile = change(self.load(name))
        self.save(profile)
        return profile

    def export_json(self, name: str) -> dict[str, Any]:
        return profile_to_json(self.load(name))

    def import_json(self, path: str | Path, name: str | None = None, replace: bool = False) -> Profile:
        """Validate a JSON export fully, then save it; on any error nothing is written."""
        profile = profile_from_json(read_json_file(path), name=name)
        if self.exists(profile.name) and not replace:
            raise InputError(f"a profile named {profile.name!r} exists; delete it or import with --replace")
        self.save(profile)
        return profile


# -- SQLite -------------------------------------------------------------------
def _blob(vector: np.ndarray | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype="<f2").tobytes()


def _vector(blob: bytes | None, dim: int) -> np.ndarray | None:
    if blob is None:
        return None
    if len(blob) != dim * 2:
        raise InputError(f"an embedding has {len(blob) // 2} numbers, not {dim}")
    return stored_vector(np.frombuffer(blob, dtype="<f2"), dim)


def _write_db(conn: sqlite3.Connection, profile: Profile) -> None:
    conn.executescript(SCHEMA)
    meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "name": profile.name,
            "created": repr(float(profile.created)), "source": profile.source}
    if profile.self_trust is not None:
        meta["self_trust"] = json.dumps(profile.self_trust.to_dict())
    conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (p.id, float(p.time), p.origin, json.dumps(p.tags, ensure_ascii=False), _blob(p.text), _blob(p.image),
         json.dumps(p.words, ensure_ascii=False)) for p in profile.posts])
    conn.executemany("INSERT INTO feedback VALUES (?, ?, ?)",
                     [(f.tag, f.verdict, float(f.time)) for f in profile.feedback])
    counts, last, pairs = {}, {}, {}
    for post in profile.posts:
        keys = post.keys
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
            last[key] = max(last.get(key, -math.inf), post.time)
        for a in keys:
            for b in keys:
                if a != b:
                    pairs[(a, b)] = pairs.get((a, b), 0) + 1
    displays = profile.displays()
    conn.executemany("INSERT INTO tags VALUES (?, ?, ?, ?)",
                     [(k, displays.get(k, "#" + k), n, last[k]) for k, n in counts.items()])
    conn.executemany("INSERT INTO cooccurrence VALUES (?, ?, ?)", [(a, b, n) for (a, b), n in pairs.items()])


def _read_db(conn: sqlite3.Connection, name: str) -> Profile:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    if meta.get("format") != FORMAT:
        raise InputError(f"profile {name!r} is not a taglens profile")
    if int(meta.get("format_version", "0")) > FORMAT_VERSION:
        raise InputError(f"profile {name!r} was written by a newer taglens")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(posts)")}
    words = "words" if "words" in columns else "NULL"  # a profile saved before words were kept
    posts = [ProfilePost(id=pid, time=t, tags=json.loads(tags), text=_vector(text, TEXT_DIM),
                         image=_vector(image, IMAGE_DIM), origin=origin, words=json.loads(bag) if bag else [])
             for pid, t, origin, tags, text, image, bag in conn.execute(
                 f"SELECT id, time, origin, tags, text, image, {words} FROM posts ORDER BY rowid")]
    feedback = [Feedback(tag, verdict, t) for tag, verdict, t in
                conn.execute("SELECT tag, verdict, time FROM feedback ORDER BY rowid")]
    try:
        trust = self_trust_from_json(json.loads(meta["self_trust"])) if "self_trust" in meta else None
    except json.JSONDecodeError:
        raise InputError(f"profile {name!r}: its self_trust is not JSON") from None
    return Profile(name=meta.get("name", name), posts=posts, feedback=feedback,
                   created=float(meta.get("created", "0")), source=meta.get("source", ""), self_trust=trust)


# -- JSON export / import -----------------------------------------------------
def _b64(vector: np.ndarray | None) -> str | None:
    blob = _blob(vector)
    return None if blob is None else base64.b64encode(blob).decode("ascii")


def profile_to_json(profile: Profile) -> dict[str, Any]:
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "name": profile.name,
        "created": profile.created, "source": profile.source,
        "posts": [{"id": p.id, "time": p.time, "origin": p.origin, "tags": p.tags,
                   "text": _b64(p.text), "image": _b64(p.image), "words": p.words} for p in profile.posts],
        "feedback": [{"tag": f.tag, "verdict": f.verdict, "time": f.time} for f in profile.feedback],
        **({"self_trust": profile.self_trust.to_dict()} if profile.self_trust is not None else {}),
    }


def read_json_file(path: str | Path) -> Any:
    """Parse a JSON file strictly: size-capped, UTF-8, no NaN/Infinity, no duplicate keys."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"no such file: {source}")
    if source.stat().st_size > MAX_IMPORT_BYTES:
        raise InputError(f"{source}: larger than {MAX_IMPORT_BYTES // 2**20} MiB; not a profile export")
    try:
        text = source.read_bytes().decode("utf-8-sig")
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: bad JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InputError(f"duplicate field {key!r}")
        out[key] = value
    return out


def _no_constant(token: str) -> Any:
    raise InputError(f"{token} is not a number here")


def profile_from_json(data: Any, name: str | None = None) -> Profile:
    """A Profile from its JSON export, every field checked; raise InputError naming the first problem."""
    top = _object(data, "the file", required={"format", "format_version", "name", "posts", "feedback"},
                  optional={"created", "source", "self_trust"})
    if top["format"] != FORMAT:
        raise InputError(f"not a taglens profile export (format {top['format']!r})")
    version = top["format_version"]
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise InputError(f"unsupported profile format_version {version!r}")
    profile_name = check_name(_string(top["name"], "name", 64))  # checked even when --name overrides it
    if name is not None:
        profile_name = check_name(name)
    posts_raw = _list(top["posts"], "posts", MAX_POSTS)
    feedback_raw = _list(top["feedback"], "feedback", MAX_FEEDBACK)
    posts = [_post(item, i) for i, item in enumerate(posts_raw)]
    feedback = [_feedback(item, i) for i, item in enumerate(feedback_raw)]
    trust = self_trust_from_json(top.get("self_trust"))
    if trust is not None and trust.posts > len(posts):
        raise InputError("self_trust: fitted on more posts than the file holds")
    return Profile(name=profile_name, posts=posts, feedback=feedback,
                   created=_number(top.get("created", 0.0), "created"),
                   source=_string(top.get("source", ""), "source", 1000), self_trust=trust)


def _post(item: Any, i: int) -> ProfilePost:
    where = f"posts[{i}]"
    obj = _object(item, where, required={"id", "time", "tags"}, optional={"origin", "text", "image", "words"})
    origin = obj.get("origin", "post")
    if origin not in ("post", "accepted"):
        raise InputError(f"{where}.origin must be 'post' or 'accepted'")
    tags = [_tag(t, f"{where}.tags[{j}]") for j, t in enumerate(_list(obj["tags"], f"{where}.tags",
                                                                      MAX_TAGS_PER_POST))]
    return ProfilePost(id=_string(obj["id"], f"{where}.id", 300), time=_number(obj["time"], f"{where}.time"),
                       tags=tags, text=_embedding(obj.get("text"), TEXT_DIM, f"{where}.text"),
                       image=_embedding(obj.get("image"), IMAGE_DIM, f"{where}.image"), origin=origin,
                       words=_words(obj.get("words", []), f"{where}.words"))


def _words(value: Any, where: str) -> list[str]:
    """A post's bag of caption words: strings of 1..MAX_WORD_CHARS with no spaces or controls."""
    out = []
    for j, item in enumerate(_list(value, where, MAX_WORDS)):
        word = _string(item, f"{where}[{j}]", MAX_WORD_CHARS)
        if not word or any(c.isspace() or not c.isprintable() for c in word):
            raise InputError(f"{where}[{j}] must be one word")
        out.append(word)
    return sorted(set(out))


def _feedback(item: Any, i: int) -> Feedback:
    where = f"feedback[{i}]"
    obj = _object(item, where, required={"tag", "verdict", "time"})
    if obj["verdict"] not in VERDICTS:
        raise InputError(f"{where}.verdict must be 'accepted' or 'rejected'")
    return Feedback(_tag(obj["tag"], f"{where}.tag"), obj["verdict"], _number(obj["time"], f"{where}.time"))


def _object(value: Any, where: str, required: set[str], optional: set[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a JSON object")
    missing = required - set(value)
    if missing:
        raise InputError(f"{where} lacks {', '.join(sorted(missing))}")
    unknown = set(value) - required - set(optional)
    if unknown:
        raise InputError(f"{where} has unknown field(s) {', '.join(sorted(map(str, unknown)))[:200]}")
    return value


def _list(value: Any, where: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where} must be a list")
    if len(value) > limit:
        raise InputError(f"{where} has {len(value)} items; at most {limit}")
    return value


def _string(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where} must be a string")
    if len(value) > limit:
        raise InputError(f"{where} is longer than {limit} characters")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where} must be a finite number")
    return float(value)


def _tag(value: Any, where: str) -> str:
    text = _string(value, where, 101)
    try:
        return parse_hashtag(text).display
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def _embedding(value: Any, dim: int, where: str) -> np.ndarray | None:
    if value is None:
        return None
    text = _string(value, where, dim * 4)
    try:
        blob = base64.b64decode(text, validate=True)
    except ValueError:
        raise InputError(f"{where} is not base64") from None
    if len(blob) != dim * 2:
        raise InputError(f"{where} must hold {dim} float16 numbers")
    try:
        return _vector(blob, dim)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


@contextmanager
def temporary_store() -> Iterator[ProfileStore]:
    """A store in a fresh temp folder (tests, `--history` one-offs never touch the real one)."""
    with tempfile.TemporaryDirectory(prefix="taglens-profiles-") as tmp:
        yield ProfileStore(tmp)

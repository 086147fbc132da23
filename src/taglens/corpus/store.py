"""The corpus: an embedded SQLite store of posts, hashtags and media.

Why SQLite: one file a user can copy, transactions that make an interrupted
import or crawl leave the store consistent, and no server to run. Media live
beside the database, content-addressed by SHA-256 (`<db>.media/ab/abcdef….jpg`),
so the same photo crawled twice is stored once and a file's name proves its bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taglens.errors import InputError
from taglens.hashtags import display_form, hashtag_key
from taglens.post import Post

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    rowid     INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    text      TEXT NOT NULL DEFAULT '',
    video     TEXT,
    topic     TEXT,
    source    TEXT,
    meta      TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS hashtags (
    rowid     INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    display   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS post_hashtags (
    post      INTEGER NOT NULL REFERENCES posts(rowid) ON DELETE CASCADE,
    hashtag   INTEGER NOT NULL REFERENCES hashtags(rowid),
    position  INTEGER NOT NULL,
    PRIMARY KEY (post, hashtag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS post_hashtags_by_tag ON post_hashtags(hashtag);
CREATE TABLE IF NOT EXISTS media (
    sha256    TEXT PRIMARY KEY,
    relpath   TEXT NOT NULL,
    mime      TEXT NOT NULL,
    bytes     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS post_media (
    post      INTEGER NOT NULL REFERENCES posts(rowid) ON DELETE CASCADE,
    sha256    TEXT NOT NULL REFERENCES media(sha256),
    position  INTEGER NOT NULL,
    PRIMARY KEY (post, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS posts_by_topic ON posts(topic);
CREATE TABLE IF NOT EXISTS kv (
    namespace TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
"""

# Magic bytes of the media types the corpus accepts; anything else is refused.
_MAGIC: list[tuple[bytes, int, str, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", ".png"),
    (b"GIF87a", 0, "image/gif", ".gif"),
    (b"GIF89a", 0, "image/gif", ".gif"),
    (b"BM", 0, "image/bmp", ".bmp"),
    (b"II*\x00", 0, "image/tiff", ".tif"),
    (b"MM\x00*", 0, "image/tiff", ".tif"),
    (b"WEBP", 8, "image/webp", ".webp"),
    (b"ftyp", 4, "video/mp4", ".mp4"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm", ".webm"),
]


def sniff_media_type(head: bytes) -> tuple[str, str] | None:
    """(mime, extension) from a file's first bytes, or None when it is not media we take."""
    for magic, offset, mime, ext in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if mime == "image/webp" and head[:4] != b"RIFF":
                continue
            return mime, ext
    return None


@dataclass
class ImportReport:
    """What one import or crawl step did; errors carry their line numbers."""

    added: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"added {self.added}, already present {self.skipped}, errors {len(self.errors)}"


class Corpus:
    """Posts, hashtags and media in one SQLite file plus a media folder beside it."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise InputError(f"no corpus at {self.path}")
        if self.path.is_dir():
            raise InputError(f"{self.path} is a folder, not a corpus file")
        # A corpus this object creates is removed again on close if nothing was stored in it,
        # so a failed import or a crawl of a dead server leaves no empty database behind.
        self._new_dirs = [d for d in (self.path.parent, *self.path.parent.parents) if not d.exists()]
        self._created = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.media_dir = self.path.with_name(self.path.name + ".media")
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path} is not a taglens corpus ({exc})") from None
        self._depth = 0

    # -- transactions -------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block. A nested block is a savepoint: its failure undoes
        only its own writes, so one bad row cannot leave half a post behind."""
        savepoint = f"sp{self._depth}"
        self.conn.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT {savepoint}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.execute(f"ROLLBACK TO {savepoint}")
                self.conn.execute(f"RELEASE {savepoint}")
            raise
        self._depth -= 1
        self.conn.execute("COMMIT" if self._depth == 0 else f"RELEASE {savepoint}")

    def close(self) -> None:
        empty = self._created and self._is_empty()
        self.conn.close()
        if empty:
            self._remove_files()

    def _is_empty(self) -> bool:
        """True when no post, hashtag or media file was stored (a crawl's bookkeeping alone does not count:
        a crawl of a dead server writes its frontier before its first request)."""
        try:
            tables = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return not any(self.conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
                           for t in tables if t != "kv")
        except sqlite3.Error:
            return False

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        for folder in [self.media_dir, *self._new_dirs]:  # only folders this object made, and only if empty
            try:
                folder.rmdir()
            except OSError:
                pass

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- media --------------------------------------------------------------
    def add_media(self, source: str | Path | bytes) -> str:
        """Store a media file by content; return its SHA-256. Refuses non-media bytes."""
        data = Path(source).read_bytes() if not isinstance(source, bytes) else source
        kind = sniff_media_type(data[:16])
        if kind is None:
            name = source if not isinstance(source, bytes) else "data"
            raise InputError(f"{name}: not an image or video file")
        mime, ext = kind
        digest = hashlib.sha256(data).hexdigest()
        relpath = f"{digest[:2]}/{digest}{ext}"
        target = self.media_dir / relpath
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        self.conn.execute(
            "INSERT OR IGNORE INTO media(sha256, relpath, mime, bytes) VALUES (?,?,?,?)",
            (digest, relpath, mime, len(data)),
        )
        return digest

    def media_path(self, sha256: str) -> Path:
        row = self.conn.execute("SELECT relpath FROM media WHERE sha256=?", (sha256,)).fetchone()
        if row is None:
            raise KeyError(sha256)
        return self.media_dir / row[0]

    # -- posts --------------------------------------------------------------
    def has_post(self, post_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM posts WHERE id=?", (post_id,)).fetchone() is not None

    def add_post(self, post: Post) -> bool:
        """Insert a post, its tags and its media; False when its id is already stored.

        Media are read from the post's paths and stored by content. Call inside
        `transaction()` for batches: the store then commits once.
        """
        if not post.id:
            raise InputError("a post needs an id to be stored")
        if self.has_post(post.id):
            return False
        with self.transaction():
            shas = [self.add_media(path) for path in post.images]
            video_sha = self.add_media(post.video) if post.video else None
            cur = self.conn.execute(
                "INSERT INTO posts(id, text, video, topic, source, meta) VALUES (?,?,?,?,?,?)",
                (post.id, post.text, video_sha, post.topic, post.source,
                 json.dumps(post.meta, ensure_ascii=False)),
            )
            rowid = cur.lastrowid
            for position, tag in enumerate(post.hashtags):
                tag_id = self._tag_id(tag)
                self.conn.execute(
                    "INSERT OR IGNORE INTO post_hashtags(post, hashtag, position) VALUES (?,?,?)",
                    (rowid, tag_id, position),
                )
            for position, sha in enumerate(shas):
                self.conn.execute(
                    "INSERT INTO post_media(post, sha256, position) VALUES (?,?,?)",
                    (rowid, sha, position),
                )
        return True

    def _tag_id(self, tag: str) -> int:
        key = hashtag_key(tag)
        row = self.conn.execute("SELECT rowid FROM hashtags WHERE key=?", (key,)).fetchone()
        if row:
            return int(row[0])
        cur = self.conn.execute(
            "INSERT INTO hashtags(key, display) VALUES (?,?)", (key, display_form(tag))
        )
        return int(cur.lastrowid)

    def set_topic(self, post_id: str, topic: str | None) -> None:
        self.conn.execute("UPDATE posts SET topic=? WHERE id=?", (topic, post_id))

    def iter_posts(
        self, *, topic: str | None = None, source: str | None = None, limit: int | None = None
    ) -> Iterator[Post]:
        """Posts in insertion order, with image paths pointing into the media folder."""
        where, args = [], []
        if topic is not None:
            where.append("topic=?")
            args.append(topic)
        if source is not None:
            where.append("source=?")
            args.append(source)
        sql = "SELECT rowid, id, text, video, topic, source, meta FROM posts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY rowid"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for rowid, pid, text, video, ptopic, psource, meta in self.conn.execute(sql, args).fetchall():
            tags = [r[0] for r in self.conn.execute(
                "SELECT h.display FROM post_hashtags ph JOIN hashtags h ON h.rowid=ph.hashtag "
                "WHERE ph.post=? ORDER BY ph.position", (rowid,))]
            images = [str(self.media_dir / r[0]) for r in self.conn.execute(
                "SELECT m.relpath FROM post_media pm JOIN media m ON m.sha256=pm.sha256 "
                "WHERE pm.post=? ORDER BY pm.position", (rowid,))]
            yield Post(
                id=pid, text=text, hashtags=tags, images=images,
                video=str(self.media_path(video)) if video else None,
                topic=ptopic, source=psource, meta=json.loads(meta),
            )

    # -- statistics ---------------------------------------------------------
    def count(self, table: str) -> int:
        if table not in {"posts", "hashtags", "post_hashtags", "media", "post_media"}:
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def tag_counts(self, limit: int | None = None) -> list[tuple[str, str, int]]:
        """(key, display, number of posts) by descending count."""
        sql = ("SELECT h.key, h.display, COUNT(*) AS n FROM post_hashtags ph "
               "JOIN hashtags h ON h.rowid=ph.hashtag GROUP BY ph.hashtag ORDER BY n DESC, h.key")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [(k, d, int(n)) for k, d, n in self.conn.execute(sql)]

    def stats(self, top: int = 20) -> dict[str, Any]:
        topics = self.conn.execute(
            "SELECT COALESCE(topic, '(none)'), COUNT(*) FROM posts GROUP BY topic ORDER BY 2 DESC"
        ).fetchall()
        sources = self.conn.execute(
            "SELECT COALESCE(source, '(none)'), COUNT(*) FROM posts GROUP BY source ORDER BY 2 DESC"
        ).fetchall()
        return {
            "posts": self.count("posts"),
            "hashtags": self.count("hashtags"),
            "post_hashtags": self.count("post_hashtags"),
            "media": self.count("media"),
            "topics": {t: n for t, n in topics},
            "sources": {s: n for s, n in sources},
            "top_hashtags": [(d, n) for _, d, n in self.tag_counts(top)],
        }

    # -- key/value state, used by resumable jobs such as the crawler ---------
    def get_state(self, namespace: str, key: str, default: Any = None) -> Any:
        row = self.conn.execute(
            "SELECT value FROM kv WHERE namespace=? AND key=?", (namespace, key)
        ).fetchone()
        return json.loads(row[0]) if row else default

    def set_state(self, namespace: str, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO kv(namespace, key, value) VALUES (?,?,?) "
            "ON CONFLICT(namespace, key) DO UPDATE SET value=excluded.value",
            (namespace, key, json.dumps(value, ensure_ascii=False)),
        )

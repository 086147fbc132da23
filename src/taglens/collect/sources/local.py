"""A local source: posts from a JSONL file or a folder of them, for offline runs and tests.

Each line is either a taglens post (see README, "The post format") or a Mastodon
Status entity as the API returns it, so a saved timeline can be replayed offline.
Images are local paths (relative to the file); remote image URLs are skipped,
because this source never touches the network.
"""

from __future__ import annotations

import json
from pathlib import Path

from taglens.collect.http import MediaError, check_image
from taglens.collect.sources.base import Item, Page
from taglens.collect.sources.mastodon import status_to_item
from taglens.errors import InputError
from taglens.hashtags import extract_hashtags
from taglens.post import Post


class LocalSource:
    """Serves the posts of local JSONL files by hashtag, `page_size` at a time."""

    name = "local"

    def __init__(self, path: str | Path, *, page_size: int = 20, max_media_bytes: int = 8 * 1024 * 1024):
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"no such file or folder: {self.path}")
        self.key = f"local:{self.path.resolve()}"
        self.page_size = max(1, page_size)
        self.max_media_bytes = max_media_bytes
        self.warnings: list[str] = []
        self.items = self._load()

    def _files(self) -> list[Path]:
        if self.path.is_dir():
            files = sorted(self.path.glob("*.jsonl"))
            if not files:
                raise InputError(f"{self.path}: no *.jsonl files")
            return files
        return [self.path]

    def _load(self) -> list[Item]:
        items: list[Item] = []
        for file in self._files():
            for line_no, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                if raw.strip():
                    item = self._parse(file, line_no, raw)
                    if item is not None:
                        items.append(item)
        return items

    def _parse(self, file: Path, line_no: int, raw: str) -> Item | None:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            self.warnings.append(f"{file.name}:{line_no}: bad JSON ({exc.msg})")
            return None
        if isinstance(data, dict) and "content" in data and "media_attachments" in data:
            return status_to_item(data, "local")
        try:
            post = Post.from_dict(data, base_dir=file.parent)
        except InputError as exc:
            self.warnings.append(f"{file.name}:{line_no}: {exc}")
            return None
        post.id = post.id or f"local:{file.stem}:{line_no}"
        post.source = post.source or "local"
        written = set(post.tag_keys)
        post.hashtags += [t.display for t in extract_hashtags(post.text) if t.key not in written]
        media, post.images = post.images, []
        return Item(post=post, media=media)

    def fetch_page(self, hashtag: str, cursor: str | None) -> Page:
        matching = [item for item in self.items if hashtag in item.post.all_tag_keys()]
        start = int(cursor or 0)
        end = start + self.page_size
        return Page(items=matching[start:end], next_cursor=str(end) if end < len(matching) else None)

    def fetch_media(self, ref: str) -> bytes:
        if ref.startswith(("http://", "https://")):
            raise MediaError(f"{ref}: the local source does not download")
        path = Path(ref)
        if not path.is_file():
            raise MediaError(f"{ref}: no such file")
        if path.stat().st_size > self.max_media_bytes:
            raise MediaError(f"{ref}: over the {self.max_media_bytes}-byte cap")
        return check_image(path.read_bytes(), ref)

    def close(self) -> None:
        pass

"""Convert an instaloader *index* (`index.jsonl` + `images/`) into taglens JSONL.

Some instaloader datasets are shipped flattened: one JSON record a post (image,
shortcode, caption, hashtags, Instagram's alt text ...) beside an `images/`
folder, instead of instaloader's own per-post files. `taglens import jsonl`
reads taglens posts only (unknown fields are refused, so a typo never passes
silently), so this module writes that form once:

    python -m taglens.corpus.instaloader_index index.jsonl posts.jsonl
    taglens import jsonl posts.jsonl --db corpus.sqlite

Image paths are written relative to the output file when they can be, else
absolute, so the JSONL can be moved together with the images. The crawl's
search query (`query_hashtags`) is kept in meta only: it is one of the post's
own tags, and the evaluation protocol never shows meta to a recommender.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from taglens.errors import InputError
from taglens.hashtags import is_hashtag_body
from taglens.post import Post

META_FIELDS = ("taken_at_utc", "query_hashtags", "typename", "is_video", "n_images_in_post", "likes")


def index_posts(index: Path, base: Path | None = None) -> Iterator[tuple[int, Post | InputError]]:
    """(line number, Post or InputError) for each record of `index`; images resolved
    against the index's folder and written relative to `base` (default: absolute)."""
    folder = index.parent
    with open(index, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
                yield line_no, index_post(row, folder, base)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield line_no, InputError(f"line {line_no}: not a JSON record ({exc.__class__.__name__})")
            except InputError as exc:
                yield line_no, InputError(f"line {line_no}: {exc}")


def index_post(row: Any, folder: Path, base: Path | None = None) -> Post:
    """One index record as a Post; raises InputError naming the bad field."""
    if not isinstance(row, dict):
        raise InputError("a record must be a JSON object")
    shortcode = row.get("shortcode")
    if not isinstance(shortcode, str) or not shortcode.strip():
        raise InputError("no shortcode")
    caption = row.get("caption") or ""
    tags = row.get("hashtags") or []
    if not isinstance(caption, str) or not isinstance(tags, list):
        raise InputError("'caption' must be text and 'hashtags' a list")
    hashtags = ["#" + str(t).lstrip("#") for t in tags if is_hashtag_body(str(t).lstrip("#"))]
    images = []
    if row.get("image"):
        path = (folder / str(row["image"])).resolve()
        if not path.is_file():
            raise InputError(f"image {row['image']} not found")
        images.append(_relative(path, base))
    meta = {k: row[k] for k in META_FIELDS if row.get(k) not in (None, "", [])}
    alt = row.get("accessibility_caption")
    if isinstance(alt, str) and alt.strip():
        meta["accessibility_caption"] = [alt.strip()]
    return Post(id=f"instagram:{shortcode.strip()}", text=caption.strip(), hashtags=hashtags,
                images=images, source="instagram", meta=meta)


def _relative(path: Path, base: Path | None) -> str:
    if base is None:
        return str(path)
    try:
        return os.path.relpath(path, base.resolve())
    except ValueError:  # another drive
        return str(path)


def convert(index: Path, out: Path) -> tuple[int, list[str]]:
    """Write `index`'s records to `out` as taglens JSONL; (posts written, errors)."""
    if not index.is_file():
        raise InputError(f"no such index file: {index}")
    written, errors = 0, []
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "w", encoding="utf-8") as handle:
        for _, item in index_posts(index, out.parent):
            if isinstance(item, InputError):
                errors.append(str(item))
                continue
            handle.write(item.to_json() + "\n")
            written += 1
    os.replace(tmp, out)
    return written, errors


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m taglens.corpus.instaloader_index INDEX.jsonl OUT.jsonl", file=sys.stderr)
        return 2
    try:
        written, errors = convert(Path(args[0]), Path(args[1]))
    except InputError as exc:
        print(f"taglens: {exc}", file=sys.stderr)
        return 1
    for error in errors:
        print(f"taglens: {args[0]}: {error}", file=sys.stderr)
    print(f"wrote {written} posts to {args[1]} ({len(errors)} errors)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

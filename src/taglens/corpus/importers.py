"""Readers that turn public data formats into Posts, and the import loop.

Each reader yields `(line number, Post or InputError)`: a bad row is reported
with its line number and never stops the import. `import_posts` wraps the whole
import in one transaction, so an interrupted import leaves the store as it was,
and skips post ids already stored, so importing twice adds nothing.
"""

from __future__ import annotations

import json
import lzma
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from taglens.corpus.store import Corpus, ImportReport
from taglens.corpus.umsab import read_umsab
from taglens.errors import InputError
from taglens.hashtags import extract_hashtags, is_hashtag_body
from taglens.post import Post, read_jsonl

Row = tuple[int, "Post | InputError"]
Reader = Callable[[Path], Iterator[Row]]


def _lines(path: Path) -> Iterator[tuple[int, str | InputError]]:
    """(line number, text) of a file, a non-UTF-8 line reported rather than fatal."""
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                yield line_no, raw.decode("utf-8-sig" if line_no == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield line_no, InputError(f"{path.name}:{line_no}: not UTF-8 text")


def read_taglens_jsonl(path: Path) -> Iterator[Row]:
    for line_no, item in read_jsonl(path):
        if isinstance(item, Post) and not item.id:
            item.id = f"{path.stem}:{line_no}"
        if isinstance(item, Post) and not item.source:
            item.source = "jsonl"
        yield line_no, item


def read_tweeteval(path: Path) -> Iterator[Row]:
    """TweetEval emoji text files: a `*_text.txt` file, or the folder of them.

    The caption is kept as written; its hashtags become the post's tags; the
    emoji label from the matching `*_labels.txt` goes into meta.
    """
    files = sorted(path.glob("*_text.txt")) if path.is_dir() else [path]
    if not files:
        raise InputError(f"{path}: no TweetEval *_text.txt files")
    for file in files:
        split = file.name.removesuffix("_text.txt")
        labels_file = file.with_name(f"{split}_labels.txt")
        labels = labels_file.read_text(encoding="utf-8").split("\n") if labels_file.exists() else []
        for line_no, text in _lines(file):
            if isinstance(text, InputError):
                yield line_no, text
                continue
            meta: dict[str, object] = {"split": split}
            if line_no - 1 < len(labels) and labels[line_no - 1].strip():
                meta["emoji_label"] = int(labels[line_no - 1])
            yield line_no, Post(
                id=f"tweeteval:{split}:{line_no}", text=text.strip(),
                hashtags=[t.display for t in extract_hashtags(text)],
                source="tweeteval", meta=meta,
            )


def read_harrison(path: Path) -> Iterator[Row]:
    """HARRISON `data_list.txt` + `tag_list.txt` (same line order).

    Images are attached where the listed file exists (HARRISON's images are a
    separate 6 GB download); the query folder goes into meta.
    """
    folder = path.parent if path.is_file() else path
    data_list, tag_list = folder / "data_list.txt", folder / "tag_list.txt"
    for needed in (data_list, tag_list):
        if not needed.is_file():
            raise InputError(f"{folder}: HARRISON needs {needed.name}")
    image_roots = [folder, folder / "sample_images"]
    tag_lines = list(_lines(tag_list))
    for (line_no, image), (_, tags) in zip(_lines(data_list), tag_lines, strict=False):
        if isinstance(image, InputError) or isinstance(tags, InputError):
            yield line_no, image if isinstance(image, InputError) else tags  # type: ignore[misc]
            continue
        words = [w for w in tags.split() if w]
        bad = [w for w in words if not is_hashtag_body(w)]
        if not image.strip() or not words or bad:
            yield line_no, InputError(f"line {line_no}: bad HARRISON row {image!r} / {tags!r}")
            continue
        found = [str(root / image) for root in image_roots if (root / image).is_file()]
        parts = image.split("/")
        yield line_no, Post(
            id=f"harrison:{image.strip()}", hashtags=["#" + w for w in words],
            images=found[:1], source="harrison",
            meta={"query": parts[-2] if len(parts) >= 2 else None, "line": line_no},
        )
    if len(tag_lines) != sum(1 for _ in _lines(data_list)):
        yield len(tag_lines), InputError("data_list.txt and tag_list.txt differ in length")


def read_stan(path: Path) -> Iterator[Row]:
    """STAN tsv: `tweet \\t hashtag \\t gold segmentation [\\t more golds]`."""
    for line_no, line in _lines(path):
        if isinstance(line, InputError):
            yield line_no, line
            continue
        cols = line.split("\t")
        if len(cols) < 3 or not cols[1].strip():
            yield line_no, InputError(f"line {line_no}: expected tweet, hashtag and gold columns")
            continue
        tweet, tag, golds = cols[0], cols[1].strip(), [g for g in cols[2:] if g.strip()]
        tags = [t.display for t in extract_hashtags(tweet)]
        if is_hashtag_body(tag) and all(t.lower() != "#" + tag.lower() for t in tags):
            tags.append("#" + tag)
        yield line_no, Post(
            id=f"stan:{path.stem}:{line_no}", text=tweet, hashtags=tags, source="stan",
            meta={"hashtag": tag, "segmentations": golds},
        )


_INSTALOADER_STEM = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_UTC)(?:_(\d+))?$")


def read_instaloader(path: Path) -> Iterator[Row]:
    """An instaloader download folder: `*_UTC[_N].jpg`, `*_UTC.txt`, `*_UTC.json.xz`.

    One post per timestamp stem; carousels (`_1.jpg`, `_2.jpg`) become several
    images, a `.mp4` becomes the video. Metadata gives the shortcode (the post id)
    and the like count when present.
    """
    if not path.is_dir():
        raise InputError(f"{path}: an instaloader download is a folder")
    groups: dict[str, dict[str, list[Path]]] = {}
    for file in sorted(path.iterdir()):
        name = file.name
        stem = name.split(".", 1)[0]
        match = _INSTALOADER_STEM.match(stem)
        if not match:
            continue
        groups.setdefault(match.group(1), {}).setdefault(name.split(".", 1)[1], []).append(file)
    for number, (stem, files) in enumerate(sorted(groups.items()), start=1):
        try:
            yield number, _instaloader_post(path, stem, files)
        except InputError as exc:
            yield number, InputError(f"{stem}: {exc}")


def _instaloader_post(folder: Path, stem: str, files: dict[str, list[Path]]) -> Post:
    caption = ""
    if "txt" in files:
        try:
            caption = files["txt"][0].read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("caption is not UTF-8 text") from None
    meta: dict[str, object] = {"taken_at_utc": stem}
    node: dict[str, object] = {}
    for ext in ("json.xz", "json"):
        if ext in files:
            try:
                raw = files[ext][0].read_bytes()
                node = json.loads(lzma.decompress(raw) if ext == "json.xz" else raw)
            except (lzma.LZMAError, json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InputError(f"broken metadata {files[ext][0].name}: {exc}") from None
            break
    node = node.get("node", node) if isinstance(node, dict) else {}
    shortcode = node.get("shortcode") if isinstance(node, dict) else None
    if isinstance(node, dict):
        likes = node.get("edge_media_preview_like", node.get("edge_liked_by"))
        if isinstance(likes, dict) and "count" in likes:
            meta["likes"] = likes["count"]
    images = sorted(files.get("jpg", []) + files.get("png", []) + files.get("webp", []))
    videos = files.get("mp4", [])
    return Post(
        id=f"instagram:{shortcode or stem}", text=caption.strip(),
        hashtags=[t.display for t in extract_hashtags(caption)],
        images=[str(p) for p in images], video=str(videos[0]) if videos else None,
        source="instagram", meta=meta,
    )


IMPORTERS: dict[str, Reader] = {
    "jsonl": read_taglens_jsonl,
    "tweeteval": read_tweeteval,
    "harrison": read_harrison,
    "stan": read_stan,
    "instaloader": read_instaloader,
    "umsab": read_umsab,
}


def get_reader(fmt: str) -> Reader:
    try:
        return IMPORTERS[fmt]
    except KeyError:
        raise InputError(
            f"unknown format {fmt!r}; choose one of: {', '.join(sorted(IMPORTERS))}"
        ) from None


def import_posts(corpus: Corpus, fmt: str, path: str | Path,
                 progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import a file or folder in one transaction; return what was added and what failed."""
    reader = get_reader(fmt)
    source = Path(path)
    if not source.exists():
        raise InputError(f"no such file or folder: {source}")
    report = ImportReport()
    with corpus.transaction():
        for line_no, item in reader(source):
            if isinstance(item, InputError):
                report.errors.append(str(item) if "line" in str(item) else f"line {line_no}: {item}")
                continue
            try:
                added = corpus.add_post(item)
            except (InputError, OSError) as exc:
                report.errors.append(f"line {line_no}: {exc}")
                continue
            if added:
                report.added += 1
            else:
                report.skipped += 1
            if progress is not None:
                progress(line_no)
    return report

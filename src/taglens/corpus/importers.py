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
_IMAGE_EXTS = ("jpg", "jpeg", "png", "webp")
_MEDIA_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8")
MAX_CAPTION_BYTES = 1 << 20  # a caption file beyond 1 MiB is not a caption


def read_instaloader(path: Path) -> Iterator[Row]:
    """An instaloader download: `*_UTC[_N].jpg`, `*_UTC.txt`, `*_UTC.json[.xz]`.

    Why recursive: instaloader writes one sub-folder per target (`posts/#tag/`,
    `posts/<profile>/`), so the folder a user points at often holds only folders.
    One post per (folder, timestamp stem); the sub-folder is kept as meta
    `target`. Carousels (`_1.jpg`, `_2.jpg`) become several images, a `.mp4` the
    video; a post without a `.txt` keeps its caption from the metadata, or none.
    The profile's own files (`<name>_<id>.json.xz`, `*_profile_pic.jpg`) are not
    posts; the profile's username goes into meta `profile`. Odd files (hidden,
    symlinks, names instaloader does not write) are ignored; a picture that is
    not an image is reported and left out, and the rest of its post kept.
    """
    if not path.is_dir():
        raise InputError(f"{path}: an instaloader download is a folder")
    number = 0
    for folder in _instaloader_folders(path):
        groups = _instaloader_groups(folder)
        profile = _instaloader_profile(folder)
        target = folder.relative_to(path).as_posix()
        for stem, files in sorted(groups.items()):
            number += 1
            try:
                post, skipped = _instaloader_post(folder, stem, files)
            except InputError as exc:
                yield number, InputError(f"{_where(target, stem)}: {exc}")
                continue
            for problem in skipped:
                yield number, InputError(f"{_where(target, stem)}: {problem}")
            if target != ".":
                post.meta["target"] = target
            if profile:
                post.meta["profile"] = profile
            yield number, post


def _where(target: str, stem: str) -> str:
    return stem if target == "." else f"{target}/{stem}"


def _instaloader_folders(root: Path) -> list[Path]:
    """The root and every real sub-folder below it (symlinks are not followed), sorted."""
    out, todo = [], [root]
    while todo:
        folder = todo.pop()
        out.append(folder)
        try:
            children = sorted(folder.iterdir())
        except OSError:
            continue
        todo.extend(c for c in reversed(children)
                    if c.is_dir() and not c.is_symlink() and not c.name.startswith("."))
    return sorted(out)


def _instaloader_groups(folder: Path) -> dict[str, dict[str, list[Path]]]:
    groups: dict[str, dict[str, list[Path]]] = {}
    for file in sorted(folder.iterdir()):
        name = file.name
        if name.startswith(".") or file.is_symlink() or not file.is_file() or "." not in name:
            continue
        stem, ext = name.split(".", 1)
        match = _INSTALOADER_STEM.match(stem)
        if match:
            groups.setdefault(match.group(1), {}).setdefault(ext.lower(), []).append(file)
    return groups


def _instaloader_profile(folder: Path) -> str | None:
    """The username in the folder's profile file (`<name>_<id>.json.xz`), if there is one."""
    for file in sorted(folder.glob("*_*.json.xz")):
        if _INSTALOADER_STEM.match(file.name.split(".", 1)[0]) or file.is_symlink():
            continue
        try:
            node = json.loads(lzma.decompress(file.read_bytes()))
        except (OSError, lzma.LZMAError, json.JSONDecodeError, UnicodeDecodeError):
            continue
        node = node.get("node", node) if isinstance(node, dict) else {}
        name = node.get("username") if isinstance(node, dict) else None
        if isinstance(name, str) and name:
            return name
    return None


def _instaloader_node(files: dict[str, list[Path]]) -> dict[str, object]:
    for ext in ("json.xz", "json"):
        if ext in files:
            try:
                raw = files[ext][0].read_bytes()
                node = json.loads(lzma.decompress(raw) if ext == "json.xz" else raw)
            except (lzma.LZMAError, json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InputError(f"broken metadata {files[ext][0].name}: {exc}") from None
            node = node.get("node", node) if isinstance(node, dict) else {}
            return node if isinstance(node, dict) else {}
    return {}


def _node_caption(node: dict[str, object]) -> str:
    edges = node.get("edge_media_to_caption")
    edges = edges.get("edges") if isinstance(edges, dict) else None
    if isinstance(edges, list) and edges and isinstance(edges[0], dict):
        text = (edges[0].get("node") or {}).get("text")
        return text if isinstance(text, str) else ""
    return ""


def _alt_texts(node: dict[str, object]) -> list[str]:
    """Instagram's own alt text ('May be an image of ...'): the post's, then each carousel photo's."""
    texts = [node.get("accessibility_caption")]
    children = node.get("edge_sidecar_to_children")
    children = children.get("edges") if isinstance(children, dict) else None
    for child in children if isinstance(children, list) else []:
        if isinstance(child, dict) and isinstance(child.get("node"), dict):
            texts.append(child["node"].get("accessibility_caption"))
    out: list[str] = []
    for text in texts:
        if isinstance(text, str) and text.strip() and text.strip() not in out:
            out.append(text.strip())
    return out


def _read_caption(files: dict[str, list[Path]], node: dict[str, object]) -> str:
    if "txt" not in files:
        return _node_caption(node)
    raw = files["txt"][0].read_bytes()
    if len(raw) > MAX_CAPTION_BYTES:
        raise InputError(f"caption file is {len(raw)} bytes; not a caption")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("caption is not UTF-8 text") from None


def _is_media(file: Path) -> bool:
    try:
        with open(file, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return head.startswith(_MEDIA_MAGIC) or head[4:8] == b"ftyp"


def _instaloader_post(folder: Path, stem: str, files: dict[str, list[Path]]) -> tuple[Post, list[str]]:
    """The post of one stem, and the problems with files left out of it."""
    node = _instaloader_node(files)
    caption = _read_caption(files, node)
    meta: dict[str, object] = {"taken_at_utc": stem}
    likes = node.get("edge_media_preview_like", node.get("edge_liked_by"))
    if isinstance(likes, dict) and "count" in likes:
        meta["likes"] = likes["count"]
    for field_name, key in (("__typename", "typename"), ("is_video", "is_video")):
        if node.get(field_name) is not None:
            meta[key] = node[field_name]
    alt = _alt_texts(node)
    if alt:
        meta["accessibility_caption"] = alt
    skipped: list[str] = []
    media: dict[str, list[Path]] = {"image": [], "video": []}
    for ext, kind in [*((e, "image") for e in _IMAGE_EXTS), ("mp4", "video")]:
        for file in files.get(ext, []):
            if _is_media(file):
                media[kind].append(file)
            else:
                skipped.append(f"{file.name} left out: not an image or video file")
    images = sorted(media["image"], key=_carousel_order)
    if not images and not media["video"] and not caption.strip():
        raise InputError("no readable picture, video or caption")
    shortcode = node.get("shortcode")
    post = Post(
        id=f"instagram:{shortcode if isinstance(shortcode, str) and shortcode else stem}",
        text=caption.strip(), hashtags=[t.display for t in extract_hashtags(caption)],
        images=[str(p) for p in images], video=str(media["video"][0]) if media["video"] else None,
        source="instagram", meta=meta,
    )
    return post, skipped


def _carousel_order(file: Path) -> tuple[int, str]:
    """`_2.jpg` before `_10.jpg`: carousel position, not string order."""
    match = _INSTALOADER_STEM.match(file.name.split(".", 1)[0])
    return (int(match.group(2)) if match and match.group(2) else 0, file.name)


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

"""Batch serving: chunk plan, resumable chunk files, the driver loop and the worker step.

A batch reads a taglens JSONL file once, in the driver, with `taglens.post.read_jsonl`
(so a bad line is reported with its line number, as `taglens suggest --jsonl` does),
and cuts the good posts into chunks of `chunk_size` posts: chunk *i* holds good posts
i*chunk_size .. (i+1)*chunk_size-1, so the same input and settings always give the
same chunks. An engine (`local`: a process pool; `spark`: Spark tasks) scores each
chunk with a model loaded once per worker and writes `chunk-00000012.jsonl` into the
parts folder: first under a temporary name, then renamed, so a chunk file either is
complete or does not exist. The rename is the chunk's done marker. A re-run with the
same output skips every chunk whose file exists, which makes a killed batch resumable
without losing or repeating a post. The parts folder's `batch.json` records the
input, model and settings; a re-run with different ones is refused rather than mixed.

Module import stays light (no numpy): spawned workers import it before they pin
their thread counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from taglens.errors import InputError
from taglens.post import Post, read_jsonl

FORMAT = "taglens-batch"
FORMAT_VERSION = 1
MANIFEST = "batch.json"
CHUNK_PREFIX = "chunk-"
CHUNK_SUFFIX = ".jsonl"
TMP_MARK = ".tmp-"


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to load the model and serve a chunk (picklable)."""

    model: str                      # absolute path of the model folder
    banned: tuple[str, ...] | None  # None: the default banned list
    k: int = 10
    allow_banned: bool = False
    platform: str | None = None
    tag_language: str = "any"  # recommend/tag_language.py
    camel: bool = False
    batch_size: int = 64
    allow: str = ""  # grounding rules switched off: 'place,event,brand,junk,variants' (recommend/grounding.py)

    def fingerprint(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("model")
        data.pop("batch_size")  # does not change the output
        banned = data.pop("banned")
        data["banned_sha256"] = None if banned is None else _sha256("\n".join(sorted(banned)).encode())
        return data


@dataclass
class BatchResult:
    """What a batch did: posts served, bad lines skipped, chunks scored and resumed."""

    out_path: Path
    posts: int = 0
    errors: int = 0
    chunks: int = 0
    chunks_resumed: int = 0
    seconds: float = 0.0
    shard_files: list[Path] = field(default_factory=list)

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else 0.0


# -- worker side ------------------------------------------------------------------
_RECOMMENDERS: dict[Settings, Any] = {}


def worker_recommender(settings: Settings):
    """The model for these settings, loaded once per worker process and kept."""
    rec = _RECOMMENDERS.get(settings)
    if rec is None:
        from taglens.recommend import Recommender

        rec = Recommender.load(settings.model, banned=settings.banned)
        _RECOMMENDERS[settings] = rec
    return rec


def score_chunk(settings: Settings, parts_dir: str, index: int, posts: list[Post]) -> int:
    """Serve one chunk and write its file atomically; return how many posts it holds."""
    rec = worker_recommender(settings)
    final = Path(parts_dir) / chunk_name(index)
    tmp = final.with_name(f"{final.name}{TMP_MARK}{os.getpid()}")
    camel_case = None
    if settings.camel:
        from taglens.text.display import camel_case
    count = 0
    with open(tmp, "w", encoding="utf-8") as out:
        for prediction in rec.suggest_many(posts, k=settings.k, batch_size=settings.batch_size,
                                           allow_banned=settings.allow_banned, platform=settings.platform,
                                           tag_language=settings.tag_language, allow=settings.allow or None):
            if camel_case is not None:
                for suggestion in prediction.hashtags:
                    suggestion.display = camel_case(suggestion.tag)
            out.write(json.dumps(prediction.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, final)
    return count


def chunk_name(index: int) -> str:
    return f"{CHUNK_PREFIX}{index:08d}{CHUNK_SUFFIX}"


# -- driver side ------------------------------------------------------------------
class Engine(Protocol):
    """Runs `score_chunk` somewhere; at most `in_flight` chunks are handed over at once."""

    in_flight: int

    def submit(self, index: int, posts: list[Post]) -> Future: ...

    def close(self) -> None: ...


EngineFactory = Callable[[Settings, Path], Engine]


def make_settings(model: str | Path | None, *, k: int, banned: Iterable[str] | None, allow_banned: bool,
                  platform: str | None, camel: bool, tag_language: str = "any", allow: str | None = None) -> Settings:
    from taglens.models.model_dir import resolve_model_path
    from taglens.recommend.tag_language import parse_tag_language
    from taglens.recommend.platforms import get_platform

    if k < 1:
        raise InputError("k must be at least 1")
    get_platform(platform)  # an unknown platform is the user's error, found before any work starts
    from taglens.recommend.grounding import parse_allow

    allow = ",".join(sorted(parse_allow(allow)))  # an unknown rule too
    folder = resolve_model_path(model).resolve()
    return Settings(model=str(folder), banned=None if banned is None else tuple(sorted(set(banned))),
                    k=k, allow_banned=allow_banned, platform=platform, camel=camel,
                    tag_language=parse_tag_language(tag_language), allow=allow)


def run_batch(in_path: str | Path, out_path: str | Path, settings: Settings, engine_factory: EngineFactory, *,
              chunk_size: int = 1000, shards: bool = False, restart: bool = False,
              on_error: Callable[[InputError], None] | None = None,
              on_chunk: Callable[[int, int], None] | None = None) -> BatchResult:
    """Serve every post of `in_path` into `out_path` (a JSONL file, or a shard folder with `shards`)."""
    if chunk_size < 1:
        raise InputError("chunk size must be at least 1")
    in_path = Path(in_path)
    if str(in_path) == "-":
        raise InputError("a batch reads a file (it is resumable); for stdin use `taglens suggest --jsonl -`")
    if not in_path.is_file():
        raise InputError(f"no such file: {in_path}")
    out_path = Path(out_path)
    if out_path.resolve() == in_path.resolve():
        raise InputError("the output would overwrite the input")
    parts = out_path if shards else out_path.with_name(out_path.name + ".parts")
    manifest = _manifest(in_path, settings, chunk_size, shards)
    _prepare_parts(parts, manifest, restart)

    result = BatchResult(out_path=out_path)
    started = time.perf_counter()
    engine = engine_factory(settings, parts)
    try:
        pending: set[Future] = set()
        for index, posts in _chunks(in_path, chunk_size, result, on_error):
            result.chunks += 1
            if (parts / chunk_name(index)).is_file():
                result.chunks_resumed += 1
                result.posts += len(posts)
                continue
            while len(pending) >= engine.in_flight:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                _collect(done, result, on_chunk)
            pending.add(engine.submit(index, posts))
        _collect(wait(pending).done, result, on_chunk)
    finally:
        engine.close()

    chunk_files = [parts / chunk_name(i) for i in range(result.chunks)]
    missing = [p.name for p in chunk_files if not p.is_file()]
    if missing:  # pragma: no cover - an engine that returned without writing
        raise RuntimeError(f"batch incomplete: {', '.join(missing[:5])} not written")
    manifest.update(complete=True, posts=result.posts, errors=result.errors,
                    chunks=[p.name for p in chunk_files])
    if shards:
        _write_json_atomic(parts / MANIFEST, manifest)
        result.shard_files = chunk_files
    else:
        _merge(chunk_files, out_path)
        shutil.rmtree(parts, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _collect(done: Iterable[Future], result: BatchResult, on_chunk: Callable[[int, int], None] | None) -> None:
    for future in done:
        count = future.result()  # a worker's exception surfaces here and stops the batch
        result.posts += count
        if on_chunk is not None:
            on_chunk(result.posts, count)


def _chunks(in_path: Path, chunk_size: int, result: BatchResult,
            on_error: Callable[[InputError], None] | None) -> Iterator[tuple[int, list[Post]]]:
    """Stream (chunk index, posts) from the file; bad lines go to `on_error`."""
    chunk: list[Post] = []
    index = 0
    for _line_no, item in read_jsonl(in_path):
        if isinstance(item, InputError):
            result.errors += 1
            if on_error is not None:
                on_error(item)
            continue
        chunk.append(item)
        if len(chunk) == chunk_size:
            yield index, chunk
            index += 1
            chunk = []
    if chunk:
        yield index, chunk


def _manifest(in_path: Path, settings: Settings, chunk_size: int, shards: bool) -> dict[str, Any]:
    from taglens.models.model_dir import MANIFEST as MODEL_MANIFEST

    stat = in_path.stat()
    model_manifest = Path(settings.model) / MODEL_MANIFEST
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "input": {"path": str(in_path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns},
        "model": {"path": settings.model, "manifest_sha256": _sha256(model_manifest.read_bytes())},
        "settings": {**settings.fingerprint(), "chunk_size": chunk_size, "shards": shards},
        "complete": False,
    }


_IDENTITY = ("format", "format_version", "input", "model", "settings")


def _prepare_parts(parts: Path, manifest: dict[str, Any], restart: bool) -> None:
    """Create the parts folder, or check that the one there belongs to this batch."""
    meta = parts / MANIFEST
    if parts.exists() and restart:
        if parts.is_dir() and (meta.is_file() or not any(parts.iterdir())):
            shutil.rmtree(parts)
        else:
            raise InputError(f"{parts} exists and is not a taglens batch folder; will not delete it")
    if parts.exists():
        if not parts.is_dir():
            raise InputError(f"{parts} exists and is not a folder")
        if meta.is_file():
            try:
                old = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                old = {}
            changed = [key for key in _IDENTITY if old.get(key) != manifest.get(key)]
            if changed:
                raise InputError(f"{parts} holds a batch with another {', '.join(changed)}; "
                                 "pass --restart (restart=True) to start over, or choose another output")
            for stale in parts.glob(f"{CHUNK_PREFIX}*{TMP_MARK}*"):  # left by a killed worker
                stale.unlink(missing_ok=True)
            return
        if any(parts.iterdir()):
            raise InputError(f"{parts} exists, is not empty and is not a taglens batch folder")
    parts.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(meta, manifest)


def _merge(chunk_files: list[Path], out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + TMP_MARK + str(os.getpid()))
    with open(tmp, "wb") as out:
        for path in chunk_files:
            with open(path, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, out_path)


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + TMP_MARK + str(os.getpid()))
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""Batch suggestions over a JSONL file of posts, resumable, on a process pool or Spark.

```python
from taglens.batch import suggest_file
result = suggest_file(None, "posts.jsonl", "suggestions.jsonl", workers=4)   # None: the shipped model
print(result.posts, result.errors, result.posts_per_second)
```

The output has one line per good input post, in input order, in the schema of
`taglens suggest --jsonl`. See `taglens.batch.core` for the chunk files and resuming.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from taglens.batch.core import BatchResult, Settings, make_settings, run_batch
from taglens.errors import InputError

ENGINES = ("local", "spark")

__all__ = ["ENGINES", "BatchResult", "suggest_file"]


def suggest_file(model: str | Path | None, in_path: str | Path, out_path: str | Path, *, k: int = 10,
                 workers: int = 1, engine: str = "local", chunk_size: int = 1000, shards: bool = False,
                 restart: bool = False, banned: Iterable[str] | None = None, allow_banned: bool = False,
                 platform: str | None = None, camel: bool = False, in_flight: int | None = None,
                 tag_language: str = "any",
                 spark_master: str | None = None, allow: str | None = None, on_error: Callable[[InputError], None] | None = None,
                 on_chunk: Callable[[int, int], None] | None = None) -> BatchResult:
    """Suggest hashtags for every post of `in_path`; write them to `out_path` in input order.

    `model`: a model folder or shipped name (None: the default). `workers`: processes
    (`local`) or local-mode cores (`spark`). `chunk_size` posts make one unit of work
    and of resuming. `shards`: write `out_path/` as chunk files plus `batch.json`
    instead of one file. A run with the same output resumes where a killed one
    stopped; `restart` starts over. Bad lines go to `on_error` (with their line number)
    and are skipped; `on_chunk(posts_done, chunk_posts)` is called as chunks finish.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    if workers < 1:
        raise InputError("workers must be at least 1")
    settings = make_settings(model, k=k, banned=banned, allow_banned=allow_banned, platform=platform, camel=camel,
                             tag_language=tag_language, allow=allow)

    def factory(settings: Settings, parts_dir: Path):
        if engine == "spark":
            from taglens.batch.spark import SparkEngine

            return SparkEngine(settings, parts_dir, workers=workers, in_flight=in_flight, master=spark_master)
        from taglens.batch.local import LocalEngine

        return LocalEngine(settings, parts_dir, workers=workers, in_flight=in_flight)

    return run_batch(in_path, out_path, settings, factory, chunk_size=chunk_size, shards=shards,
                     restart=restart, on_error=on_error, on_chunk=on_chunk)

"""The `local` engine: a spawn-started process pool, the model loaded once per worker.

Safe to call from a plain script without an `if __name__ == "__main__":` guard.
A spawned child normally re-imports the parent's main script to rebuild its
`__main__`, so a script that calls `suggest_file(...)` at the top level ran again
in every worker, and multiprocessing stopped it ("An attempt has been made to
start a new process before ... bootstrapping", then BrokenProcessPool). The
workers need nothing from `__main__` (their task and initialiser live in this
module), so `_ScriptSafeSpawn` starts each one while `__main__` is swapped for an
empty module: the child has no script to re-run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
import sys
import threading
import time
import types
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from taglens.batch.core import Settings, score_chunk, worker_recommender
from taglens.post import Post

_STATE: dict[str, object] = {}


def _exit_with_parent(parent: int) -> None:
    """A worker whose driver died (SIGKILL, say) would wait for work forever: leave instead."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)  # its unfinished chunk has no file yet; a re-run does it again


def _init_worker(settings: Settings, parts_dir: str) -> None:
    # One scoring thread per worker process: the workers are the parallelism.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _STATE["settings"] = settings
    _STATE["parts_dir"] = parts_dir
    worker_recommender(settings)  # load the model once, before the first chunk


def _work(index: int, posts: list[Post]) -> int:
    return score_chunk(_STATE["settings"], _STATE["parts_dir"], index, posts)  # type: ignore[arg-type]


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """`__main__` is an empty module while a worker starts, so the child does not re-run the script."""
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class _ScriptSafeProcess(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        with _main_hidden():
            super().start()


class _ScriptSafeSpawn(multiprocessing.context.SpawnContext):
    """The spawn start method, minus the re-import of the caller's main script."""

    Process = _ScriptSafeProcess


class LocalEngine:
    """`workers` processes; at most `in_flight` chunks (default 2 per worker) queued or running."""

    def __init__(self, settings: Settings, parts_dir: Path, workers: int = 1, in_flight: int | None = None) -> None:
        self.in_flight = max(1, in_flight or 2 * workers)
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=_ScriptSafeSpawn(),
                                        initializer=_init_worker, initargs=(settings, str(parts_dir)))

    def submit(self, index: int, posts: list[Post]) -> Future:
        return self.pool.submit(_work, index, posts)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

"""The `local` engine: a spawn-started process pool, the model loaded once per worker."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
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


class LocalEngine:
    """`workers` processes; at most `in_flight` chunks (default 2 per worker) queued or running."""

    def __init__(self, settings: Settings, parts_dir: Path, workers: int = 1, in_flight: int | None = None) -> None:
        self.in_flight = max(1, in_flight or 2 * workers)
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init_worker, initargs=(settings, str(parts_dir)))

    def submit(self, index: int, posts: list[Post]) -> Future:
        return self.pool.submit(_work, index, posts)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

"""The `spark` engine: each chunk is a one-partition Spark job (`pip install 'taglens[spark]'`).

The driver reads and checks the input (bad lines reported with their line numbers) and
hands chunks to Spark from a few driver threads, so at most `in_flight` chunks are in
the cluster at once. A task scores its chunk with the model its Python worker loaded
once (Spark reuses Python workers, so that is once per executor core, not per chunk) and
writes the chunk file straight into the parts folder: the output path must be on storage
every executor sees (a shared or network file system), and taglens must be installed
on the executors. Without `--spark-master` (and no `spark.master` from spark-submit)
Spark runs in local mode with `workers` cores.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from taglens.batch.core import Settings, score_chunk
from taglens.errors import InputError
from taglens.post import Post


def _partition(settings: Settings, parts_dir: str, rows):
    """mapPartitions body: runs on an executor."""
    for index, posts in rows:
        yield score_chunk(settings, parts_dir, index, posts)


class SparkEngine:
    def __init__(self, settings: Settings, parts_dir: Path, workers: int = 1, in_flight: int | None = None,
                 master: str | None = None) -> None:
        try:
            from pyspark import SparkConf
            from pyspark.sql import SparkSession
        except ImportError:
            raise InputError("the spark engine needs PySpark: pip install 'taglens[spark]'") from None
        self.settings = settings
        self.parts_dir = str(Path(parts_dir).resolve())
        conf_master = SparkConf().get("spark.master", None)  # set by spark-submit
        master = master or conf_master or f"local[{workers}]"
        builder = SparkSession.builder.appName("taglens batch").master(master)
        if master.startswith("local"):
            # Local mode: executors are this machine's Python (this venv), the UI and driver stay on loopback.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            builder = (builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                       .config("spark.driver.host", "127.0.0.1")
                       .config("spark.driver.bindAddress", "127.0.0.1"))
        self._owned = SparkSession.getActiveSession() is None
        self.spark = builder.getOrCreate()
        self.sc = self.spark.sparkContext
        if self._owned:
            self.sc.setLogLevel("ERROR")
        self.in_flight = max(1, in_flight or 2 * max(workers, self.sc.defaultParallelism))
        self.threads = ThreadPoolExecutor(max_workers=self.in_flight, thread_name_prefix="taglens-spark")

    def _job(self, index: int, posts: list[Post]) -> int:
        settings, parts_dir = self.settings, self.parts_dir
        self.sc.setJobDescription(f"taglens batch chunk {index}")
        counts = (self.sc.parallelize([(index, posts)], 1)
                  .mapPartitions(lambda rows: _partition(settings, parts_dir, rows))
                  .collect())
        return int(sum(counts))

    def submit(self, index: int, posts: list[Post]) -> Future:
        return self.threads.submit(self._job, index, posts)

    def close(self) -> None:
        self.threads.shutdown(wait=True, cancel_futures=True)
        if self._owned:
            self.spark.stop()

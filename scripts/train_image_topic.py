"""Train the shipped 8-topic image head on every photo of ../shared/data/topic8-real-photos.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/train_image_topic.py [--data ../shared/data]

Writes src/taglens/data/encoders/topic8_head.npz (8 x 1280 weights, ~40 KB). The
held-out accuracy of the same recipe (trained without the test split) is measured
by benchmarks/vision.py; this script uses all the data, because the shipped head is
judged on photos that are not in that folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from taglens.vision.datasets import encode_paths, topic8
from taglens.vision.encoder import encoders_dir
from taglens.vision.topic import TOPICS, fit_topic_head, imagenet_class_topics

ROOT = Path(__file__).resolve().parents[1]


def training_rows(photos, features: np.ndarray, probs: np.ndarray, keep: np.ndarray):
    """One row per (photo, topic): a photo listed under two topics teaches both."""
    idx, y = [], []
    for i in np.where(keep)[0]:
        for topic in sorted(photos.topics[i], key=TOPICS.index):
            idx.append(i)
            y.append(TOPICS.index(topic))
    return features[idx], probs[idx], np.asarray(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=encoders_dir() / "topic8_head.npz")
    args = parser.parse_args()
    photos = topic8(args.data / "topic8-real-photos")
    features, probs = encode_paths(photos.paths, cache_dir=ROOT / "benchmarks" / ".cache")
    x, p, y = training_rows(photos, features, probs, np.ones(len(photos.paths), bool))
    head = fit_topic_head(x, p, y, imagenet_class_topics())
    head.save(args.out)
    train_acc = (head.predict(x, p).argmax(1) == y).mean()
    print(f"wrote {args.out}: {len(y)} rows, counts {dict(zip(TOPICS, np.bincount(y, minlength=8).tolist()))}, "
          f"beta {head.beta:.2f}, training accuracy {train_acc:.3f}")


if __name__ == "__main__":
    main()

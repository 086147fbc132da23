"""Labelled photo sets for training and evaluating the image components.

`topic8(folder)` reads the topic8-real-photos layout (an index.csv of image, topic,
strength; image paths relative to the index) and `encode_paths` encodes a list
of files once, caching the arrays in `cache_dir` (features depend only on the
encoder file and the pictures), so benchmarks and training scripts can be rerun
in seconds.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from taglens.vision.encoder import DEFAULT_ENCODER, create_encoder
from taglens.vision.io import load_image


@dataclass
class Photos:
    """Unique photos with every topic each is listed under and the label's strength."""

    paths: list[Path]
    topics: list[set[str]] = field(default_factory=list)
    strength: list[str] = field(default_factory=list)


def topic8(folder: Path) -> Photos:
    by_path: dict[Path, tuple[set[str], str]] = {}
    with open(folder / "index.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path = (folder / row["image"]).resolve()
            topics, _strength = by_path.setdefault(path, (set(), row.get("strength", "direct")))
            topics.add(row["topic"])
    paths = sorted(by_path)
    return Photos(paths, [by_path[p][0] for p in paths], [by_path[p][1] for p in paths])


def encode_paths(paths: list[Path], encoder: str = DEFAULT_ENCODER,
                 cache_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(features, probs) of image files, in order; cached by encoder and path list when `cache_dir` is set."""
    digest = hashlib.sha1(json.dumps([encoder, [str(p) for p in paths]]).encode()).hexdigest()[:16]
    cached = cache_dir / f"{encoder}-{digest}.npz" if cache_dir else None
    if cached is not None and cached.is_file():
        with np.load(cached) as z:
            return z["features"], z["probs"]
    enc = create_encoder(encoder)
    feats, probs = [], []
    for start in range(0, len(paths), 64):
        out = enc.encode([load_image(p) for p in paths[start:start + 64]])
        feats.append(out.features)
        probs.append(out.probs)
    features, probabilities = np.concatenate(feats), np.concatenate(probs)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, features=features, probs=probabilities)
    return features, probabilities

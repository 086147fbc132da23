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


# -- the labelled sets the shipped labels heads learn from (../shared/data) ----------

# Tags a label's own words miss: common aliases (#yorkie, #pitbull) and the species.
PET_ALIASES = {
    "yorkshire_terrier": "yorkie", "american_pit_bull_terrier": "pitbull pitbullterrier",
    "staffordshire_bull_terrier": "staffy staffie", "german_shorthaired": "germanshorthairedpointer gsp",
    "scottish_terrier": "scottie", "wheaten_terrier": "wheatenterrier", "miniature_pinscher": "minpin",
    "great_pyrenees": "pyrenees", "basset_hound": "basset", "english_cocker_spaniel": "cockerspaniel",
    "saint_bernard": "stbernard", "shiba_inu": "shiba", "american_bulldog": "bulldog",
    "Maine_Coon": "mainecooncat", "Persian": "persiancat", "Siamese": "siamesecat", "Bengal": "bengalcat",
    "Ragdoll": "ragdollcat", "Sphynx": "sphynxcat", "Bombay": "bombaycat", "Birman": "birmancat",
    "Abyssinian": "abyssiniancat", "Russian_Blue": "russianbluecat", "British_Shorthair": "britishshorthaircat",
    "Egyptian_Mau": "egyptianmaucat",
}
JEWELLERY_ALIASES = {"rings": "ring", "earrings": "earring", "wristwatch": "watch", "bracelet": "bracelets",
                     "necklace": "necklaces"}
# name: (folder, label column, licence note, research use only)
LABEL_SETS = {
    "pets": ("oxford-pets-sample", "breed", "Oxford-IIIT Pet (CC BY-SA 4.0; the sample repo says academic/educational use)", True),
    "food": ("food101-mini", "label", "Food-101 (foodspotting.com photos; research use only)", True),
    "flowers": ("flowers-nature-227", "label", "TF flower_photos (Flickr, CC BY 2.0)", False),
    "jewellery": ("jewellery-products", "label", "shop product photos, no licence stated (research use only)", True),
    "architecture": ("architecture-styles-gray", "style",
                     "Architectural Style dataset, Xu et al. 2014 (Wikimedia Commons, various CC; research use only)",
                     True),
}


def _set_tags(name: str, row: dict[str, str], label: str) -> list[str]:
    if name == "pets":
        return PET_ALIASES.get(label, "").split() + [row["species"]]
    if name == "jewellery":
        return JEWELLERY_ALIASES.get(label, "").split()
    if name == "architecture":
        short = label.replace(" architecture", "").replace(" style", "")
        return [short.replace(" ", "")] if short != label else []
    return []


def labelled_set(data: Path, name: str) -> tuple["LabelledPhotos", list[str]]:
    """One of LABEL_SETS as LabelledPhotos (with alias tags) and each photo's id for a hash split
    ('<folder>/<image path>')."""
    from taglens.vision.labels import LabelledPhotos

    folder, column, _licence, _research = LABEL_SETS[name]
    paths, labels, ids, extra = [], [], [], {}
    with open(data / folder / "index.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row[column]
            paths.append(data / folder / row["image"])
            labels.append(label)
            ids.append(f"{folder}/{row['image']}")
            tags = extra.setdefault(label, [])
            tags.extend(t for t in _set_tags(name, row, label) if t not in tags)
    return LabelledPhotos(paths, labels, {k: v for k, v in extra.items() if v}, folder), ids

"""Train the shipped image topic head: 8 topics and "none of these", from every labelled set's training split.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python scripts/train_image_topic.py [--data ../shared/data] [--all]

Rows (one per photo and topic):
* topic8-real-photos: its photos whose hash split (`split_of(<path from data>, val=0.1, test=0.2)`) is not 'test';
* jewellery-products -> jewellery and architecture-styles-gray -> architecture (both new; the split of
  scripts/train_label_heads.py, `split_of('<folder>/<image>', val=0, test=0.2) != 'test'`);
* greyscale copies of every other training photo (the architecture photos are all grey: without
  these, the head learns that grey means architecture);
* "none": the ImageNet sample photos of classes no topic claims (a laptop, a sports car), same split.

Held out ('test' of each, never trained on unless --all): measured by benchmarks/vision.py
(`--only image-labels`, topic rows). Writes src/taglens/data/encoders/topic8_head.npz and the copy in the
shipped model's image_topic scorer (~50 KB).
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

import numpy as np

from taglens.evaluate.protocol import split_of
from taglens.vision.datasets import encode_paths, labelled_set, topic8
from taglens.vision.encoder import encoders_dir
from taglens.vision.topic import NONE, TOPICS, fit_topic_head, imagenet_class_topics

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / ".cache"
HEAD_TOPICS = TOPICS + (NONE,)


def topic_rows(data: Path) -> dict[str, list]:
    """Every photo the head learns from or is measured on: path, topics, split, source."""
    rows: dict[str, list] = {"path": [], "topics": [], "test": [], "source": []}

    def add(path: Path, topics: set[str], test: bool, source: str) -> None:
        rows["path"].append(path)
        rows["topics"].append(topics)
        rows["test"].append(test)
        rows["source"].append(source)

    photos = topic8(data / "topic8-real-photos")
    for path, topics in zip(photos.paths, photos.topics, strict=True):
        add(path, topics, split_of(str(path.relative_to(data.resolve())), val=0.1, test=0.2) == "test", "topic8")
    for name, topic in (("jewellery", "jewellery"), ("architecture", "architecture")):
        labelled, ids = labelled_set(data, name)
        for path, i in zip(labelled.paths, ids, strict=True):
            add(path, {topic}, split_of(i, val=0.0, test=0.2) == "test", name)
    claimed = {Path(p).resolve() for p in photos.paths}
    classes = imagenet_class_topics(TOPICS)
    root = data / "imagenet-sample-images"
    with open(root / "index.csv", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            path = (root / r["image"]).resolve()
            if classes[int(r["class_index"])] == -1 and path not in claimed:
                add(path, {NONE}, split_of(f"imagenet-sample-images/{r['image']}", val=0.0, test=0.2) == "test", "none")
    return rows


def encode_grey(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Features of greyscale copies (channel replicated), cached like encode_paths."""
    import hashlib
    import json

    from taglens.vision.encoder import create_encoder
    from taglens.vision.io import load_image

    digest = hashlib.sha1(json.dumps(["grey", [str(p) for p in paths]]).encode()).hexdigest()[:16]
    cached = CACHE / f"grey-{digest}.npz"
    if cached.is_file():
        with np.load(cached) as z:
            return z["features"], z["probs"]
    enc = create_encoder()
    feats, probs = [], []
    for start in range(0, len(paths), 64):
        out = enc.encode([load_image(p).convert("L").convert("RGB") for p in paths[start:start + 64]])
        feats.append(out.features)
        probs.append(out.probs)
    f, p = np.concatenate(feats), np.concatenate(probs)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cached, features=f, probs=p)
    return f, p


def training_set(rows: dict[str, list], use_test: bool = False):
    """(features, probs, y) of the training rows plus their grey copies."""
    keep = [i for i, t in enumerate(rows["test"]) if use_test or not t]
    paths = [rows["path"][i] for i in keep]
    feats, probs = encode_paths(paths, cache_dir=CACHE)
    colour = [j for j, i in enumerate(keep) if rows["source"][i] not in ("architecture",)]
    gfeats, gprobs = encode_grey([paths[j] for j in colour])
    x, p, y = [], [], []
    for j, i in enumerate(keep):
        for topic in sorted(rows["topics"][i], key=HEAD_TOPICS.index):
            x.append(feats[j])
            p.append(probs[j])
            y.append(HEAD_TOPICS.index(topic))
    for g, j in enumerate(colour):
        for topic in sorted(rows["topics"][keep[j]], key=HEAD_TOPICS.index):
            x.append(gfeats[g])
            p.append(gprobs[g])
            y.append(HEAD_TOPICS.index(topic))
    return np.asarray(x), np.asarray(p), np.asarray(y)


def train(data: Path, use_test: bool = False):
    rows = topic_rows(data)
    x, p, y = training_set(rows, use_test)
    return fit_topic_head(x, p, y, imagenet_class_topics(HEAD_TOPICS), topics=HEAD_TOPICS), rows, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=encoders_dir() / "topic8_head.npz")
    parser.add_argument("--all", action="store_true", help="train on the held-out split too (not what is shipped)")
    args = parser.parse_args()
    head, rows, y = train(args.data, args.all)
    head.save(args.out)
    shipped = ROOT / "src" / "taglens" / "data" / "models" / "default" / "scorers" / "image_topic" / "head.npz"
    if args.out.resolve() == (encoders_dir() / "topic8_head.npz").resolve() and shipped.parent.is_dir():
        shutil.copyfile(args.out, shipped)
    print(f"wrote {args.out}: {len(y)} rows, counts {dict(zip(HEAD_TOPICS, np.bincount(y, minlength=9).tolist()))}, "
          f"beta {head.beta:.2f}")


if __name__ == "__main__":
    main()

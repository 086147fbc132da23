"""Heads learned from labelled photos: anyone's labels (breeds, dishes, their own products) as hashtags.

    photos = read_labelled("my_photos/")              # a folder per label, or index.csv: image,label[,tags]
    feats = encode_labelled(photos, progress=True)    # frozen encoder features, one row a photo
    head = fit_labels_head(feats, photos, name="mine")
    head.save(Path("heads/mine"))                     # manifest.json (the head's card) + head.npz

Why a linear head on frozen features: a user has tens to hundreds of photos a label,
the 1280-d EfficientNet features already separate breeds and dishes linearly, and
L-BFGS fits it in seconds on one core with no torch. Serving is one matrix product.

Why a domain gate: a softmax over five flowers answers "sunflower" for a laptop too.
The head keeps each label's mean feature direction (features centred on the encoder's
mean over one photo of every ImageNet class); a photo whose best cosine to those
centroids is below what 98% of the training photos reach (`gate` in the manifest) is
outside the head's domain, and the head stays silent on it.

Bad input is one InputError naming the problem, raised before anything is written:
an empty folder, a single label, an unreadable image, a CSV naming a missing file.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from taglens.errors import InputError
from taglens.vision.concepts import camel_display, concept_key

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
# A head whose labels are places (landmarks a user trains with `taglens train-labels --places`)
# says so on its card; only then does a sure label support its place tags (recommend/grounding.py).
# A breed head's 'Bombay' names a cat, not a city.
PLACES_CARD = "labels_name_places"
PLACE_HEADS_KEY = "vision.place_heads"  # query.cache: the image_labels scorers whose labels are places
FORMAT = "taglens-labels-head"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = "head.npz"
GATE_RAMP = 0.02  # the gate opens from (threshold - ramp) to the threshold


def feature_mean(dim: int = 1280) -> np.ndarray:
    """The default encoder's mean feature over one photo of each ImageNet class (zeros for another size)."""
    from taglens.vision.encoder import encoders_dir

    path = encoders_dir() / "efficientnet_lite0_feature_mean.npy"
    mean = np.load(path, allow_pickle=False) if path.is_file() else np.zeros(dim, np.float32)
    return mean if mean.shape == (dim,) else np.zeros(dim, np.float32)


def _directions(features: np.ndarray, centre: np.ndarray) -> np.ndarray:
    x = features - centre
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


@dataclass
class LabelledPhotos:
    """Photos with one label each, and the extra tags each label should carry."""

    paths: list[Path]
    labels: list[str]
    extra_tags: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""

    @property
    def names(self) -> list[str]:
        """The distinct labels, sorted (the head's class order)."""
        return sorted(set(self.labels))


def _is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def read_labelled(source: str | Path) -> LabelledPhotos:
    """A folder with one subfolder of photos per label, or a CSV `image,label[,tags]`
    (image paths relative to the CSV; tags separated by spaces). Raises InputError."""
    path = Path(source)
    if path.is_dir():
        photos = _read_folder(path)
    elif path.is_file() and path.suffix.lower() == ".csv":
        photos = _read_csv(path)
    elif path.exists():
        raise InputError(f"{path}: give a folder of label folders or a .csv index (image,label[,tags])")
    else:
        raise InputError(f"no such folder or file: {path}")
    if not photos.paths:
        raise InputError(f"{path}: no photos found (expected one folder of photos per label)")
    if len(photos.names) < 2:
        raise InputError(f"{path}: only one label ({photos.names[0]!r}); a head needs at least two to tell apart")
    return photos


def _read_folder(root: Path) -> LabelledPhotos:
    paths, labels = [], []
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for file in sorted(sub.rglob("*")):
            if _is_image(file):
                paths.append(file)
                labels.append(sub.name)
    return LabelledPhotos(paths, labels, {}, str(root))


def _read_csv(index: Path) -> LabelledPhotos:
    try:
        with open(index, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except UnicodeDecodeError:
        raise InputError(f"{index}: not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{index}: bad CSV ({exc})") from None
    if rows and not {"image", "label"} <= set(rows[0]):
        raise InputError(f"{index}: needs the columns image,label[,tags] (has {', '.join(rows[0])})")
    paths, labels, extra = [], [], {}
    for line, row in enumerate(rows, start=2):
        image, label = (row.get("image") or "").strip(), (row.get("label") or "").strip()
        if not image or not label:
            raise InputError(f"{index}, line {line}: empty image or label")
        file = Path(image) if Path(image).is_absolute() else index.parent / image
        if not file.is_file():
            raise InputError(f"{index}, line {line}: no such image file: {image}")
        paths.append(file)
        labels.append(label)
        tags = [t for t in re.split(r"[\s,;|]+", row.get("tags") or "") if t]
        known = extra.setdefault(label, [])
        known.extend(t for t in tags if t not in known)
    return LabelledPhotos(paths, labels, {k: v for k, v in extra.items() if v}, str(index))


class Progress:
    """A one-line progress bar on stderr (a terminal or not), so a long run shows it is alive."""

    def __init__(self, total: int, what: str, enabled: bool = True, width: int = 30) -> None:
        self.total, self.what, self.enabled, self.width = total, what, enabled, width
        self.start = time.time()

    def update(self, done: int) -> None:
        if not self.enabled or not self.total:
            return
        filled = int(self.width * done / self.total)
        rate = done / max(time.time() - self.start, 1e-9)
        eta = (self.total - done) / rate if rate > 0 else 0.0
        sys.stderr.write(f"\r{self.what} {done}/{self.total} [{'#' * filled}{'.' * (self.width - filled)}] "
                         f"{time.time() - self.start:.0f}s, ~{eta:.0f}s left ")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def encode_labelled(photos: LabelledPhotos, encoder: Any = None, progress: bool = False,
                    batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """(features, probs) of every photo, in order; an unreadable photo is an InputError
    naming it (a head must not silently train on fewer photos than the user gave)."""
    from taglens.vision.encoder import create_encoder
    from taglens.vision.io import load_image

    enc = encoder or create_encoder()
    bar = Progress(len(photos.paths), "encoding photos", progress)
    feats, probs = [], []
    for start in range(0, len(photos.paths), batch_size):
        batch = []
        for path in photos.paths[start:start + batch_size]:
            try:
                batch.append(load_image(path))
            except InputError as exc:
                raise InputError(f"unreadable photo: {exc}") from None
        out = enc.encode(batch, batch_size=batch_size)
        feats.append(out.features)
        if out.probs is not None:
            probs.append(out.probs)
        bar.update(min(start + batch_size, len(photos.paths)))
    return np.concatenate(feats), (np.concatenate(probs) if probs else np.zeros((len(photos.paths), 0)))


def label_tags(label: str, extra: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(key, display) tags of a label, best first: its own words ('apple_pie' -> #ApplePie), then the
    user's tags for it (#yorkie)."""
    words = re.sub(r"[_\-]+", " ", label).strip()
    out = [(concept_key(words), camel_display(words))]
    for tag in extra:
        body = tag.lstrip("#＃")
        key = concept_key(body)
        if key and key not in {k for k, _ in out}:
            out.append((key, "#" + body))
    return [(k, d) for k, d in out if k]


@dataclass
class LabelsHead:
    """A fitted multi-class head with its tags and its card (data, licence, held-out accuracy)."""

    name: str
    labels: list[str]
    tags: list[list[tuple[str, str]]]
    weight: np.ndarray     # (L, D)
    bias: np.ndarray       # (L,)
    mean: np.ndarray       # (D,)
    scale: np.ndarray      # (D,)
    centroids: np.ndarray  # (L, D) unit mean direction of each label's photos (centred on `centre`)
    gate: float            # best-centroid cosine that 98% of the training photos reach
    centre: np.ndarray     # (D,) the encoder's mean feature (see feature_mean)
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def names_places(self) -> bool:
        """Whether the card declares this head's labels places (landmarks): PLACES_CARD."""
        return self.card.get(PLACES_CARD) is True

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(N, L) softmax over the labels, ignoring the domain."""
        z = ((features - self.mean) / self.scale) @ self.weight.T + self.bias
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def in_domain(self, features: np.ndarray) -> np.ndarray:
        """(N,) in [0, 1]: 1 for a photo like the training photos, 0 far outside them (a soft ramp)."""
        best = (_directions(features, self.centre) @ self.centroids.T).max(axis=1)
        return np.clip((best - (self.gate - GATE_RAMP)) / GATE_RAMP, 0.0, 1.0)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(N, L) label probabilities times the domain gate (rows sum to at most 1)."""
        return self.probabilities(features) * self.in_domain(features)[:, None]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / ARRAYS, weight=self.weight.astype(np.float16), bias=self.bias.astype(np.float32),
                            mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            centroids=self.centroids.astype(np.float16), centre=self.centre.astype(np.float32))
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "scorer": "image_labels", "name": self.name,
                    "labels": self.labels, "tags": self.tags, "gate": round(float(self.gate), 5), "card": self.card}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "LabelsHead":
        folder = Path(folder)
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"{folder}: not a labels head ({exc})") from None
        if manifest.get("format") != FORMAT:
            raise InputError(f"{folder}: not a labels head (made by `taglens train-labels`)")
        if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
            raise InputError(f"{folder}: written by a newer taglens; upgrade taglens")
        with np.load(folder / ARRAYS, allow_pickle=False) as z:
            arrays = {k: z[k].astype(np.float32) for k in ("weight", "bias", "mean", "scale", "centroids", "centre")}
        tags = [[(str(k), str(d)) for k, d in t] for t in manifest["tags"]]
        if not (len(manifest["labels"]) == len(tags) == len(arrays["weight"])):
            raise InputError(f"{folder}: labels, tags and weights differ in length")
        return cls(manifest["name"], list(manifest["labels"]), tags, arrays["weight"], arrays["bias"],
                   arrays["mean"], arrays["scale"], arrays["centroids"], float(manifest["gate"]),
                   arrays["centre"], manifest.get("card", {}))


def fit_labels_head(features: np.ndarray, labels: Sequence[str], name: str,
                    extra_tags: dict[str, list[str]] | None = None, l2: float = 1e-2,
                    gate_quantile: float = 0.02, max_iter: int = 300) -> LabelsHead:
    """Class-balanced, L2-regularised multinomial logistic regression on standardised features."""
    from scipy.optimize import minimize

    names = sorted(set(labels))
    if len(names) < 2:
        raise InputError("a head needs photos of at least two labels")
    y = np.asarray([names.index(lab) for lab in labels])
    n, d = features.shape
    k = len(names)
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    x = (features - mean) / scale
    counts = np.bincount(y, minlength=k).astype(np.float64)
    w_sample = (n / (k * counts))[y]
    w_sample /= w_sample.sum()
    onehot = np.eye(k)[y]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: k * d].reshape(k, d), theta[k * d:]
        z = x @ w.T + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.sum(w_sample * np.log(p[np.arange(n), y] + 1e-12)) + l2 * np.sum(w * w)
        g = (p - onehot) * w_sample[:, None]
        return float(value), np.concatenate([(g.T @ x + 2 * l2 * w).ravel(), g.sum(axis=0)])

    theta = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter}).x
    centre = feature_mean(d)
    unit = _directions(features, centre)
    centroids = np.stack([unit[y == j].mean(axis=0) for j in range(k)])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    gate = float(np.quantile((unit @ centroids.T).max(axis=1), gate_quantile))
    extra = extra_tags or {}
    tags = [label_tags(lab, extra.get(lab, ())) for lab in names]
    return LabelsHead(name, names, tags, theta[: k * d].reshape(k, d), theta[k * d:], mean, scale,
                      centroids, gate, centre, {"labels": k, "photos": int(n), "photos_per_label": counts.astype(int).tolist()})


def accuracy(head: LabelsHead, features: np.ndarray, labels: Sequence[str]) -> float:
    """Top-1 accuracy of the head (domain gate ignored) on labelled photos of its labels."""
    known = [i for i, lab in enumerate(labels) if lab in head.labels]
    if not known:
        return float("nan")
    pred = head.probabilities(features[known]).argmax(axis=1)
    return float(np.mean([head.labels[p] == labels[i] for p, i in zip(pred, known, strict=True)]))

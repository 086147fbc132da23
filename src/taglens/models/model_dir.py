"""A model is a folder with a manifest: the one path by which models are saved and loaded.

    MODEL_DIR/
      manifest.json          format, versions, scorers, combiner, training data, metrics
      vocab.json             candidate tags: keys, display forms, post counts
      scorers/<name>/...     each scorer's own arrays (npz / safetensors) and JSON
      combiner/...           the combiner's arrays, when it has any

Named models (`list_models()`) are the folders shipped inside the package; any
other folder is loaded by path.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from taglens.errors import ModelError
from taglens.models.base import Scorer, Vocab, scorer_class
from taglens.models.combiner import Combiner, combiner_from_config
from taglens.post import Post

FORMAT = "taglens-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class ModelBundle:
    """Everything a recommender is built from, as loaded from or saved to a folder."""

    vocab: Vocab
    scorers: list[Scorer]
    combiner: Combiner
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def _package_models_dir() -> Path:
    return Path(str(resources.files("taglens") / "data" / "models"))


def list_models() -> list[str]:
    """Names of the models shipped with taglens (loadable with `load_model(name)`)."""
    root = _package_models_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def resolve_model_path(name_or_path: str | Path | None) -> Path:
    """'default', another shipped name, or a folder path -> the model folder."""
    if name_or_path is None:
        name_or_path = "default"
    candidate = Path(name_or_path)
    if (candidate / MANIFEST).is_file():
        return candidate
    shipped = _package_models_dir() / str(name_or_path)
    if (shipped / MANIFEST).is_file():
        return shipped
    if candidate.exists():
        raise ModelError(f"{candidate} is not a taglens model folder (no {MANIFEST})")
    raise ModelError(f"no model {str(name_or_path)!r}: not a folder, and not one of {list_models()}")


def save_model(bundle: ModelBundle, folder: str | Path) -> Path:
    """Write the bundle to `folder`, atomically: a crash leaves the old model intact."""
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-model-", dir=target.parent))
    try:
        bundle.vocab.save(staging / "vocab.json")
        entries = []
        for scorer in bundle.scorers:
            sub = Path("scorers") / scorer.name
            scorer.save(staging / sub)
            entries.append({"name": scorer.name, "path": str(sub), "params": scorer.params})
        bundle.combiner.save(staging / "combiner")
        from taglens import __version__

        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "taglens_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "vocab": {"path": "vocab.json", "size": len(bundle.vocab),
                      "total_posts": bundle.vocab.total_posts},
            "scorers": entries,
            "combiner": bundle.combiner.to_config(),
            "training": bundle.training,
            "metrics": bundle.metrics,
            "extras": bundle.extras,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _carry_derived(bundle.path, staging)
        if target.exists():
            backup = target.with_name(target.name + ".old")
            shutil.rmtree(backup, ignore_errors=True)
            target.rename(backup)
            staging.rename(target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    bundle.path = target
    return target


def _carry_derived(source: Path | None, staging: Path) -> None:
    """Files computed from the vocabulary and kept beside it (the tag kinds, text/tagkinds.py)
    go with the model while its vocabulary is unchanged: attaching a scorer and saving the
    model again must not drop them. A new vocabulary computes them afresh at load."""
    from taglens.text.tagkinds import FILE as TAGKINDS

    if source is None or not (source / "vocab.json").is_file():
        return
    if (source / "vocab.json").read_bytes() != (staging / "vocab.json").read_bytes():
        return
    if (source / TAGKINDS).is_file():
        shutil.copy2(source / TAGKINDS, staging / TAGKINDS)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {folder / MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise ModelError(f"{folder} is not a taglens model")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelError(
            f"{folder} was written by a newer taglens (format {manifest['format_version']}); upgrade taglens"
        )
    return manifest


def load_vocab(name_or_path: str | Path | None = None) -> Vocab:
    """Only a model's vocabulary (tags and post counts), without loading its scorers."""
    folder = resolve_model_path(name_or_path)
    manifest = read_manifest(folder)
    try:
        return Vocab.load(folder / manifest["vocab"]["path"])
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"model at {folder} is incomplete or damaged: {exc}") from None


def load_model(name_or_path: str | Path | None = None) -> ModelBundle:
    """Load a model folder (or a shipped model by name) into a bundle."""
    folder = resolve_model_path(name_or_path)
    manifest = read_manifest(folder)
    try:
        vocab = Vocab.load(folder / manifest["vocab"]["path"])
        scorers = [
            scorer_class(entry["name"]).load(folder / entry["path"], entry.get("params", {}), vocab)
            for entry in manifest["scorers"]
        ]
        combiner = combiner_from_config(manifest["combiner"], folder / "combiner")
        bind = getattr(combiner, "bind", None)
        if callable(bind):  # combiners with tag features (the learned one) read the vocabulary
            bind(vocab)
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"model at {folder} is incomplete or damaged: {exc}") from None
    return ModelBundle(vocab=vocab, scorers=scorers, combiner=combiner,
                       training=manifest.get("training", {}), metrics=manifest.get("metrics", {}),
                       extras=manifest.get("extras", {}), path=folder)


def posts_fingerprint(posts: Iterable[Post]) -> str:
    """A SHA-256 over post ids and tags: records exactly which data trained a model."""
    digest = hashlib.sha256()
    for post in posts:
        digest.update(post.id.encode("utf-8"))
        digest.update(b"\x00" + "\x01".join(post.tag_keys).encode("utf-8") + b"\x02")
    return digest.hexdigest()

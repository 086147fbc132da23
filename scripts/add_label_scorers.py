"""Attach image_concepts and the shipped labels heads to the shipped default model, without retraining it.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/add_label_scorers.py [--model DIR]

Exact for the learned combiner (taglens.models.attach): the scorers are attached,
silent on text-only posts. Only the new scorer folders and manifest.json change;
the text scorers' files are left byte for byte as they were.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from taglens.models.labels import add_concepts, add_labels
from taglens.models.model_dir import MANIFEST, load_model, resolve_model_path, save_model

ROOT = Path(__file__).resolve().parents[1]
HEADS = ROOT / "src" / "taglens" / "data" / "heads"
HEAD_PARAMS = {"architecture": {"max_labels": 1}}  # listing styles is not naming one


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    target = resolve_model_path(args.model)
    bundle = add_labels(add_concepts(load_model(target)), sorted(p for p in HEADS.iterdir() if p.is_dir()),
                        params=HEAD_PARAMS)
    with tempfile.TemporaryDirectory() as tmp:
        staged = save_model(bundle, Path(tmp) / "model")
        for name in ("image_concepts", "image_labels"):
            shutil.rmtree(target / "scorers" / name, ignore_errors=True)
            shutil.copytree(staged / "scorers" / name, target / "scorers" / name)
        shutil.copyfile(staged / MANIFEST, target / MANIFEST)
    print(f"{target}: scorers {', '.join(s.name for s in bundle.scorers)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Add the image scorers to a trained text model folder (or reset their fixed weights), without retraining it.

    .venv/bin/python scripts/add_image_scorers.py MODEL_DIR [--out OUT_DIR]

Exact for the learned combiner (see taglens.models.attach): its text weights are
learned from text-only posts, on which the image scorers are silent. Writes to
--out (default: MODEL_DIR itself, atomically).
"""

from __future__ import annotations

import argparse
import sys

from taglens.models.model_dir import load_model, save_model
from taglens.models.attach import add_image_scorers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--out")
    args = parser.parse_args()
    bundle = add_image_scorers(load_model(args.model))
    path = save_model(bundle, args.out or bundle_path(args.model))
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    print(f"wrote {path} ({size / 1e6:.1f} MB; scorers: {', '.join(s.name for s in bundle.scorers)})")
    return 0


def bundle_path(name: str) -> str:
    from taglens.models.model_dir import resolve_model_path

    return str(resolve_model_path(name))


if __name__ == "__main__":
    sys.exit(main())

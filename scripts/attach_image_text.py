"""Attach the image_text scorer (a trained image-text map) to a trained model, without retraining it.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/attach_image_text.py --map /tmp/itx/map.npz \
        [--model default] [--out DIR] [--weights benchmarks/reports/image_text_weights.json]

The scorer embeds the model's most used tags once (MiniLM, ~1 min) and is
*attached* to the learned combiner (taglens.models.attach): text-only posts rank
exactly as before. `--weights` is the JSON written by benchmarks/image_text.py's
learned fusion ({"image_text": w, ...}: multiples of the combiner's unit weight;
other image scorers listed there are re-weighted too); without it the prior
weight is used. Provenance and the licence note go into the manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from taglens.models.attach import attach_scorers  # noqa: E402
from taglens.models.base import create_scorer  # noqa: E402
from taglens.models.model_dir import load_model, resolve_model_path, save_model  # noqa: E402
from taglens.vision.imagetext import ImageTextMap  # noqa: E402

PRIOR_WEIGHT = 10.4  # the other image scorers' prior (x the combiner's unit)
LICENCE = ("The image-text map was trained on research-only data (Flickr8k: research use only; ImageNet samples, "
           "Food-101 and Instagram posts: research use only, copyright with their owners). It stores no photo or "
           "caption, only two small matrices, but as a derivative of that data the shipped weights are for "
           "research and evaluation; retrain with scripts/train_image_text.py on data you may use, or plug in "
           "your own CLIP (space='clip'), for other uses.")


def attach(model: str, map_path: Path, weights: dict[str, float], captioned: dict[str, float] | None = None,
           scorer_params: dict | None = None):
    """`model` plus image_text from `map_path`: `weights` on every post (image_text's, and any
    other scorer's listed), `captioned` on posts with a caption (LearnedCombiner.captioned)."""
    bundle = load_model(model)
    scorer = create_scorer("image_text", map_path=str(map_path), **(scorer_params or {}))
    scorer.fit([], bundle.vocab)
    others = [s for s in bundle.scorers if s.name in weights and s.name != "image_text"]
    info = ImageTextMap.load(map_path).info
    note = (f"added by scripts/attach_image_text.py without retraining; map: {json.dumps(info, sort_keys=True)}; "
            f"licence: {LICENCE}")
    all_weights = {"image_text": PRIOR_WEIGHT, **weights}
    new = attach_scorers(bundle, [scorer, *others], all_weights, note=note)
    if captioned is not None and hasattr(new.combiner, "captioned"):
        new.combiner.captioned = {k: float(v) for k, v in captioned.items()}
    new.extras["image_text"] = {"map": info, "weights": all_weights, "captioned": captioned or {},
                                "licence": LICENCE}
    return new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--map", type=Path, required=True)
    parser.add_argument("--model", default="default")
    parser.add_argument("--out")
    parser.add_argument("--weights", type=Path)
    args = parser.parse_args()
    learned = json.loads(args.weights.read_text()) if args.weights else {}
    bundle = attach(args.model, args.map, learned.get("attached", {}), learned.get("captioned"))
    path = save_model(bundle, args.out or str(resolve_model_path(args.model)))
    size = sum(f.stat().st_size for f in (path / "scorers" / "image_text").rglob("*") if f.is_file())
    print(f"wrote {path} (image_text files {size / 1e6:.1f} MB; scorers: {', '.join(s.name for s in bundle.scorers)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

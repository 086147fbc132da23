"""Attach the image_text scorer (a trained image-text map) to a trained model, without retraining it.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/attach_image_text.py --map /tmp/itx/map.npz \
        [--model default] [--out DIR] [--weights benchmarks/reports/image_text_weights.json]

The scorer embeds the model's most used tags once (MiniLM, ~1 min) and is
*attached* to the learned combiner (taglens.models.attach): text-only posts rank
exactly as before. `--weights` is the JSON written by benchmarks/image_text.py's
learned fusion ({"image_text": w, ...}: multiples of the combiner's unit weight;
other image scorers listed there are re-weighted too); without it the prior
weight is used. Provenance and the licence note go into the manifest.
`--caption-words N` (with ../shared/data) declares the described words: content words
of the captions of at least N Flickr8k *training*-split photos (never 'val' or 'test'),
and calibrates each candidate tag on those photos and their captions
(ImageTextScorer.calibrate; its settings chosen on Flickr8k val by
benchmarks/image_text.py). Photo features are cached under --cache.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter

import numpy as np
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


def caption_words(data: Path, min_photos: int = 5) -> list[str]:
    """Content words (3+ letters, not stopwords) in the captions of at least `min_photos`
    Flickr8k photos of the *training* split: what people write about photos."""
    from taglens.evaluate.protocol import split_of
    from taglens.text.language import is_stopword

    by: dict[str, set[str]] = {}
    with open(data / "flickr8k-captions-1k" / "captions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if split_of(f"flickr8k:{Path(row['image']).name}") != "train":
                continue
            by.setdefault(row["image"], set()).update(
                w for w in re.findall(r"[a-z]+", row["caption"].lower()) if len(w) > 2 and not is_stopword(w, "en"))
    counts = Counter(w for words in by.values() for w in words)
    return sorted(w for w, c in counts.items() if c >= min_photos)


def flickr_train(data: Path, cache: Path | None = None) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Features, probabilities and the five captions of the Flickr8k *training*-split photos."""
    from taglens.evaluate.protocol import split_of
    from taglens.vision.datasets import encode_paths

    folder = data / "flickr8k-captions-1k"
    by: dict[str, list[str]] = {}
    with open(folder / "captions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by.setdefault(row["image"], []).append(row["caption"].strip())
    keep = [img for img in sorted(by) if split_of(f"flickr8k:{Path(img).name}") == "train" and (folder / img).is_file()]
    features, probs = encode_paths([folder / img for img in keep], cache_dir=cache)
    return features, probs, [by[img] for img in keep]


def calibrate_on_flickr(scorer, data: Path, cache: Path | None = None, **options) -> dict:
    """scorer.calibrate on the Flickr8k training photos, embedded by the scorer's own map."""
    features, probs, captions = flickr_train(data, cache)
    pictures = scorer.space.map.embed_images(features, probs)
    return scorer.calibrate(pictures, captions, **options)


def attach(model: str, map_path: Path, weights: dict[str, float], captioned: dict[str, float] | None = None,
           scorer_params: dict | None = None, words: list[str] | None = None, words_source: str = "",
           data: Path | None = None, calibration: dict | None = None, cache: Path | None = None):
    """`model` plus image_text from `map_path`: `weights` on every post (image_text's, and any
    other scorer's listed), `captioned` on posts with a caption (LearnedCombiner.captioned);
    `words` are the described words (ImageTextScorer.add_words); with `data` (../shared/data)
    and `calibration` (calibrate's options) the tags are calibrated on Flickr8k training photos."""
    bundle = load_model(model)
    scorer = create_scorer("image_text", map_path=str(map_path), **(scorer_params or {}))
    scorer.fit([], bundle.vocab)
    if words:
        scorer.add_words(words, bundle.vocab, words_source)
    calibrated = None
    if data is not None and calibration is not None:
        calibrated = calibrate_on_flickr(scorer, data, cache, **calibration)
        scorer.words_source += f"; calibrated on Flickr8k training photos: {json.dumps(calibrated, sort_keys=True)}"
    others = [s for s in bundle.scorers if s.name in weights and s.name != "image_text"]
    info = ImageTextMap.load(map_path).info
    note = (f"added by scripts/attach_image_text.py without retraining; map: {json.dumps(info, sort_keys=True)}; "
            f"licence: {LICENCE}")
    all_weights = {"image_text": PRIOR_WEIGHT, **weights}
    new = attach_scorers(bundle, [scorer, *others], all_weights, note=note)
    if captioned is not None and hasattr(new.combiner, "captioned"):
        new.combiner.captioned = {k: float(v) for k, v in captioned.items()}
    new.extras["image_text"] = {"map": info, "weights": all_weights, "captioned": captioned or {},
                                "licence": LICENCE, "described_words": len(words or []),
                                "calibration": calibrated}
    return new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--map", type=Path, required=True)
    parser.add_argument("--model", default="default")
    parser.add_argument("--out")
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--caption-words", type=int, default=0, metavar="N",
                        help="described words: in the captions of >= N Flickr8k training photos (needs ../shared/data)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/taglens-imagetext"))
    args = parser.parse_args()
    learned = json.loads(args.weights.read_text()) if args.weights else {}
    words, source, data = None, "", None
    if args.caption_words:
        data = ROOT.parent / "shared" / "data"
        if not (data / "flickr8k-captions-1k").is_dir():
            print(f"--caption-words needs {data}/flickr8k-captions-1k", file=sys.stderr)
            return 2
        words = caption_words(data, args.caption_words)  # also the calibration photos' split
        source = (f"content words of the captions of >= {args.caption_words} Flickr8k training-split photos "
                  f"(flickr8k-captions-1k, research use only); {len(words)} words")
    bundle = attach(args.model, args.map, learned.get("attached", {}), learned.get("captioned"), None, words, source,
                    data, learned.get("calibration", {}) if data is not None else None, args.cache)
    path = save_model(bundle, args.out or str(resolve_model_path(args.model)))
    size = sum(f.stat().st_size for f in (path / "scorers" / "image_text").rglob("*") if f.is_file())
    print(f"wrote {path} (image_text files {size / 1e6:.1f} MB; scorers: {', '.join(s.name for s in bundle.scorers)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

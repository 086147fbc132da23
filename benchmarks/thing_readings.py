"""Jewellery photos alone: tags from ImageNet-type readings under a sure head (photo rule 4).

    .venv/bin/python benchmarks/thing_readings.py

ImageNet has classes for a hair slide, a chain and a safety pin but none for an earring or a
bangle; on a jewellery product shot its classes, the zero-shot bridge from them and the
image-text map read the piece as hair (#hair, #hairslide, #hairstyle, #braid), as a tattoo or
as clothing, and those filled the top 5 after the piece's name. Since 2026-12-08, on a photo
alone where a labels head of things (one whose tags name no animal, food or plant: the
jewellery head) is sure of its label, a tag that only those readings propose (photo_rules.
READINGS), that no labels head, topic head or photo neighbour proposes and that ImageNet is not
sure of (>= 0.6: a sure #chain stays) is dropped. Before: `PhotoRules.readings = False`; after:
as shipped; one process. Held-out jewellery photos (the hash split the heads never trained on),
served top 5. Counted with this script's own word lists: positions holding a tag that names hair,
skin, body or clothing (which a product shot does not show; some photos are worn by a model, so
this is an upper bound on the wrong ones), positions holding a tag about jewellery (its words:
jewel, ring, earring, necklace, bracelet, pendant, chain, pearl, gold, silver, gem, diamond,
bangle, charm, handmade), and the piece named (the labels measure, which must not drop). The
other photo measures are run too: the rule should leave them alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402

from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

NOT_SHOWN = ("hair", "braid", "curl", "tattoo", "makeup", "lips", "kiss", "eye", "skin", "nail", "model", "girl",
             "shirt", "dress", "shoe", "clothing", "fashion", "outfit", "ootd", "smile", "selfie")
JEWELLERY = ("jewel", "ring", "earring", "necklace", "bracelet", "pendant", "chain", "pearl", "gold", "silver",
             "gem", "diamond", "bangle", "charm", "handmade")


def served(rec: Recommender, paths: list[Path]) -> list[list[str]]:
    posts = [Post(id=str(p), images=[str(p)]) for p in paths]
    return [[s.key for s in pred.hashtags] for pred in rec.suggest_many(posts, k=5)]


def main() -> int:
    data = shared_data()
    if data is None:
        print("thing_readings: ../shared/data is absent; nothing to measure", file=sys.stderr)
        return 0
    from _image_labels import held_out, names_of
    from art_animals import side_measures
    from taglens.vision.datasets import labelled_set

    rec = Recommender.load("default")
    photos, ids = labelled_set(data, "jewellery")
    test = np.flatnonzero(held_out(ids))
    paths = [photos.paths[i] for i in test]
    labels = [photos.labels[i] for i in test]
    results = {}
    for name, on in (("before", False), ("after", True)):
        rec.photo_rules.readings = on
        try:
            results[name] = (served(rec, paths), side_measures(rec, data))
        finally:
            rec.photo_rules.readings = True
    rows = []
    for name, (tops, _) in results.items():
        positions = 5 * len(tops)
        shown = sum(any(w in k for w in NOT_SHOWN) for t in tops for k in t)
        about = sum(any(w in k for w in JEWELLERY) for t in tops for k in t)
        named = np.mean([bool(set(t) & names_of("jewellery", lab)) for t, lab in zip(tops, labels, strict=True)])
        rows.append([name, len(tops), f"{100 * shown / positions:.1f} %", f"{100 * about / positions:.1f} %",
                     f"{100 * named:.1f} %", f"{np.mean([len(t) for t in tops]):.2f}"])
    before, after = results["before"][0], results["after"][0]
    changed = sum(x != y for x, y in zip(before, after, strict=True))
    side = [[m, f"{results['before'][1][m]:.1f}", f"{v:.1f}"] for m, v in results["after"][1].items()]
    examples = [f"- {lab} (`{p.name}`)\n  - before: `{' '.join('#' + k for k in x)}`\n  - after: `{' '.join('#' + k for k in y)}`"
                for p, lab, x, y in zip(paths, labels, before, after, strict=True) if x != y][:8]
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["held-out jewellery photos alone", "photos", "positions naming hair, body or clothing",
                              "positions about jewellery", "piece named in the top 5", "tags per list"], rows)
            + f"\nTop 5s changed: {changed} of {len(paths)}.\n\n"
            + markdown_table(["measure (photo alone)", "before", "after"], side)
            + "\nChanged lists (first eight):\n\n" + "\n".join(examples) + "\n")
    return publish("thing_readings", "Jewellery photos alone: ImageNet-type readings under a sure head", body)


if __name__ == "__main__":
    sys.exit(main())

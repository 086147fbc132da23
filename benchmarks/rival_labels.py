"""One label of a sure head: no #applepie beside #baklava, no #necklace on a bracelet (photo rule 9).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rival_labels.py

A labels head is trained to tell its labels apart; sure of one (>= `confident`), it says the
photo is not of the others it gives less than `rival` (0.1, set before this ran). Before,
ImageNet's classes (potpie, a pastry), image_text and the photo kNN still put another of its
labels in the list. Before: `PhotoRules.rivals = False`; after: as shipped; one run. Photos:
the held-out share of every labelled set (`split_of('<folder>/<image>', val=0, test=0.2) ==
'test'`, never trained on by the heads), each photo alone:
* another label's tag in the top 5: a tag of one of its head's other labels (breed, dish,
  flower, piece, style; shared tags such as #cat left out);
* the image-labels measures of benchmarks/vision.py (the photo's own label named...), which
  must not fall.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from _image_labels import measure  # noqa: E402
from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.recommend import Recommender  # noqa: E402

SETS = ("pets", "food", "flowers", "jewellery", "architecture")


def rival_keys(rec: Recommender, name: str) -> dict[str, frozenset[str]]:
    """Label -> the keys of its head's other labels (minus any key its own label has too)."""
    head = rec.scorer(f"image_labels/{name}").head
    own = {label: {key for key, _d in row} for label, row in zip(head.labels, head.tags, strict=True)}
    every = set().union(*own.values())
    return {label: frozenset(every - keys) for label, keys in own.items()}


def rivals_shown(rec: Recommender, tops: dict[str, list[list[str]]], sets: dict) -> dict[str, tuple[int, int]]:
    out = {}
    for name in SETS:
        photos, test = sets[name]
        rivals = rival_keys(rec, name)
        shown = [bool(set(top[:5]) & rivals.get(photos.labels[i], frozenset()))
                 for i, top in zip(test, tops[name], strict=True)]
        out[name] = (sum(shown), len(shown))
    return out


def examples(rec: Recommender, before: dict, after: dict, sets: dict) -> list[list[str]]:
    rows = []
    for name in SETS:
        photos, test = sets[name]
        for i, b, a in zip(test, before[name], after[name], strict=True):
            if b[:5] != a[:5] and set(b[:5]) & rival_keys(rec, name).get(photos.labels[i], frozenset()):
                rows.append([name, photos.labels[i], " ".join(f"`#{k}`" for k in b[:5]), " ".join(f"`#{k}`" for k in a[:5])])
                break
    return rows


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load()
    concepts = next(s for s in rec.scorers if s.name == "image_concepts")
    rec.photo_rules.rivals = False
    m_before, t_before, sets = measure(rec, data, concepts)
    rec.photo_rules.rivals = True
    m_after, t_after, _ = measure(rec, data, concepts)
    shown_b, shown_a = rivals_shown(rec, t_before, sets), rivals_shown(rec, t_after, sets)
    rows = [[name, shown_b[name][1], f"{100 * shown_b[name][0] / shown_b[name][1]:.1f} %",
             f"**{100 * shown_a[name][0] / shown_a[name][1]:.1f} %**"] for name in SETS]
    measures = [[what, f"{100 * m_before[what][0]:.1f} %", f"{100 * m_after[what][0]:.1f} %", m_after[what][1]]
                for what in m_after]
    body = (f"Before: photo rule 9 off (`PhotoRules.rivals = False`); after: as shipped (rival < "
            f"{rec.photo_rules.rival}, head sure at >= {rec.photo_rules.confident}). Held-out photos alone, one run.\n\n"
            + markdown_table(["set", "photos", "another label's tag in the top 5, before", "after"], rows)
            + "\n\n### The image-labels measures (benchmarks/vision.py), before and after\n\n"
            + markdown_table(["measure (photo alone)", "before", "after", "photos"], measures)
            + "\n\n### The first changed photo of each set, top 5\n\n"
            + markdown_table(["set", "label", "before", "after"], examples(rec, t_before, t_after, sets)))
    return publish("rival_labels", "One label of a sure head (photo rule 9)", body)


if __name__ == "__main__":
    sys.exit(main())

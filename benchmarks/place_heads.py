"""Photos alone and place tags: does a labels head's label count as a place the photo shows?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/place_heads.py

Before: every image_labels head's place-named label was a landmark the photo shows
(grounding's support), so the pets head's 'Bombay' (a cat) made #india supported.
After (shipped): only heads whose card declares their labels places
(`taglens train-labels --places`) count; no shipped head does.

Held-out photos of every labelled set (the hash split the shipped heads never trained
on, as benchmarks/vision.py's image-labels section), each photo alone. Per set: the
share of photos with a place tag (grounding's tag kinds) in the top 5, before and after,
and the share where the top 10 names the photo's own label (breed, dish, flower, piece,
style), which must not drop. Both systems run in this process; examples where the top 5
changed follow.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402
from _image_labels import held_out, names_of  # noqa: E402
from _results import markdown_table, publish, shared_data, top_keys_with  # noqa: E402

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.recommend import grounding  # noqa: E402
from taglens.vision.datasets import LABEL_SETS, labelled_set  # noqa: E402


def every_head_rule():  # noqa: ANN201 - photo_landmarks as it was: every image_labels head a place head
    real = grounding.photo_landmarks

    def every_head(per_scorer, kinds, table=None, threshold=grounding.LANDMARK_PROB, place_heads=()):  # noqa: ANN001, ANN202
        heads = {name for name in per_scorer if name.startswith("image_labels")}
        return real(per_scorer, kinds, table, threshold, heads)

    return every_head


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load()
    kinds = rec.grounding.kinds
    rows, examples = [], []
    for name in LABEL_SETS:
        photos, ids = labelled_set(data, name)
        test = np.flatnonzero(held_out(ids))
        posts = [Post(id=ids[i], images=[str(photos.paths[i])]) for i in test]
        before = top_keys_with(rec, posts, 10, grounding, "photo_landmarks", every_head_rule())
        after = top_keys_with(rec, posts, 10)
        placed = [[[k for k in t[:5] if kinds.kind(k) == "place"] for t in system] for system in (before, after)]
        named = [[bool(set(t[:10]) & names_of(name, photos.labels[i])) for i, t in zip(test, system, strict=True)]
                 for system in (before, after)]
        changed = [j for j in range(len(posts)) if before[j][:5] != after[j][:5]]
        rows.append([name, len(posts), f"{100 * np.mean([bool(p) for p in placed[0]]):.1f} %",
                     f"**{100 * np.mean([bool(p) for p in placed[1]]):.1f} %**",
                     f"{100 * np.mean(named[0]):.1f} %", f"{100 * np.mean(named[1]):.1f} %", len(changed)])
        for j in changed[:3]:
            label = photos.labels[test[j]]
            examples.append(f"- {name}, {label} (`{Path(photos.paths[test[j]]).name}`): before "
                            f"`{' '.join('#' + k for k in before[j][:5])}`, after `{' '.join('#' + k for k in after[j][:5])}`")
    body = (markdown_table(["set", "held-out photos", "a place tag in the top 5, before", "after",
                            "own label named in the top 10, before", "after", "top 5 changed"], rows)
            + "\nPlace tag: grounding's tag kind 'place' (GeoNames cities, countries, regions). "
            "Examples where the top 5 changed (up to three a set):\n\n" + "\n".join(examples or ["- none"]) + "\n")
    return publish("place_heads", "Photos alone: labels heads' place-named labels are no landmarks", body)


if __name__ == "__main__":
    raise SystemExit(main())

"""Pets photos alone: ImageNet's other breeds beside a sure breed (photo rule 9).

    .venv/bin/python benchmarks/rival_breeds.py

Rule 9 drops a sure labels head's own other labels; ImageNet has 118 dog and 5 cat breeds of its
own, and its guesses (#frenchbulldog on a chihuahua, #kuvasz on a Great Pyrenees, #cougar on a
Russian Blue) stayed beside the head's sure breed. Since 2026-12-08, under a labels head of
animals sure of its label, a tag naming only breeds inside a species the pictures are sure of,
that ImageNet is not sure of and the head gives less than `rival`, is dropped
(`PhotoRules.rival_breeds`). Before: off; after: as shipped; one process. Photos alone, served top
5, every oxford-pets-sample photo here, split into those the pets head never trained on
(held-out) and its training split (where the head is surer than on new photos). Counted with
this script's own list, not the rule's concepts: a top-5 tag that is another breed's name (an
ImageNet dog or cat class name, or another label of the set, joined as a key), and, to pair it
with the specific answer, the photo's own breed named in the top 10.
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


def breed_names(labels: list[str]) -> set[str]:
    """Keys of ImageNet's dog and cat classes (indices 151-285 hold them) and of the set's labels."""
    from taglens.vision.concepts import concept_key
    from taglens.vision.encoder import imagenet_labels

    names = {concept_key(n) for n in imagenet_labels()[151:286]}
    return names | {concept_key(lab.replace("_", " ")) for lab in labels}


def main() -> int:
    data = shared_data()
    if data is None:
        print("rival_breeds: ../shared/data is absent; nothing to measure", file=sys.stderr)
        return 0
    from _image_labels import held_out, names_of
    from taglens.vision.datasets import labelled_set

    rec = Recommender.load("default")
    photos, ids = labelled_set(data, "pets")
    held = held_out(ids)
    posts = [Post(id=i, images=[str(p)]) for i, p in zip(ids, photos.paths, strict=True)]
    tops = {}
    for name, on in (("before", False), ("after", True)):
        rec.photo_rules.rival_breeds = on
        try:
            tops[name] = [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=10)]
        finally:
            rec.photo_rules.rival_breeds = True
    breeds = breed_names(list(photos.labels))
    rows = []
    for part, keep in (("held out from the pets head", held), ("its training split", ~held)):
        for name, lists in tops.items():
            own = [names_of("pets", lab) for lab in photos.labels]
            other = [any(k in breeds and k not in o for k in t[:5]) for t, o in zip(lists, own, strict=True)]
            named = [bool(set(t[:10]) & o) for t, o in zip(lists, own, strict=True)]
            rows.append([part, name, int(keep.sum()), f"{100 * np.mean(np.asarray(other)[keep]):.1f} %",
                         f"{100 * np.mean(np.asarray(named)[keep]):.1f} %"])
    changed = [(lab, b[:5], a[:5]) for lab, b, a in zip(photos.labels, tops["before"], tops["after"], strict=True)
               if b[:5] != a[:5]]
    examples = [f"- {lab}: `{' '.join('#' + k for k in b)}` → `{' '.join('#' + k for k in a)}`" for lab, b, a in changed[:10]]
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["pets photos alone", "system", "photos", "another breed's name in the top 5",
                              "own breed named in the top 10"], rows)
            + f"\nTop 5s changed: {len(changed)} of {len(posts)}.\n\n" + "\n".join(examples) + "\n")
    return publish("rival_breeds", "Pets photos alone: ImageNet's other breeds beside a sure breed", body)


if __name__ == "__main__":
    sys.exit(main())

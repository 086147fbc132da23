"""Photos of meat dishes and diet claims: #vegetarian on beef carpaccio (photo rule 8).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/diet_claims.py

Held-out Food-101 photos (food101-mini, the hash split the shipped food head never
trained on), each photo alone. A dish is meat or fish when its label says so
(recommend/photo_rules.py's MEAT_WORDS in the label: beef_carpaccio, baby_back_ribs).
Before: the shipped model with rule 8 switched off; then rule 8 without its look-ahead
(`PhotoRules.diet_lookahead = 0`, the rule of 2026-12-07: a claim went only after a meat tag above
it); after: as shipped. All three in this run.
Reported: the share of meat-dish photos with a diet claim (#vegetarian, #vegan,
#plantbased ...) in the top 10; the same share for the other dishes (rule 8 must leave
them be); the share whose top 10 names the dish (must not drop).
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
from taglens.recommend import photo_rules  # noqa: E402
from taglens.vision.datasets import labelled_set  # noqa: E402


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load()
    photos, ids = labelled_set(data, "food")
    test = np.flatnonzero(held_out(ids))
    posts = [Post(id=ids[i], images=[str(photos.paths[i])]) for i in test]
    labels = [photos.labels[i] for i in test]
    meat = np.asarray([any(w in label.replace("_", "") for w in photo_rules.MEAT_WORDS) for label in labels])
    off = ("\0",)  # no key starts with NUL: rule 8 never fires
    systems = {"before (rule 8 off)": top_keys_with(rec, posts, 10, photo_rules, "DIET_PREFIXES", off),
               "rule 8 without its look-ahead": top_keys_with(rec, posts, 10, rec.photo_rules, "diet_lookahead", 0),
               "after (shipped)": top_keys_with(rec, posts, 10)}
    rows, claims = [], {}
    for name, tops in systems.items():
        claim = np.asarray([any(k.startswith(photo_rules.DIET_PREFIXES) for k in t) for t in tops])
        named = np.asarray([bool(set(t) & names_of("food", lab)) for t, lab in zip(tops, labels, strict=True)])
        claims[name] = claim
        rows.append([name, f"{100 * claim[meat].mean():.1f} % ({int(claim[meat].sum())} of {int(meat.sum())})",
                     f"{100 * claim[~meat].mean():.1f} % ({int(claim[~meat].sum())} of {int((~meat).sum())})",
                     f"{100 * named.mean():.1f} %"])
    examples = []
    before, no_lookahead, after = systems.values()
    for j in np.flatnonzero(meat):
        if before[j] != after[j] and len(examples) < 4:
            examples.append(f"- {labels[j]} (`{Path(posts[j].images[0]).name}`): before `{' '.join('#' + k for k in before[j][:6])}`, "
                            f"after `{' '.join('#' + k for k in after[j][:6])}`")
    ahead = [f"- {labels[j]} (`{Path(posts[j].images[0]).name}`): without `{' '.join('#' + k for k in no_lookahead[j][:6])}`, "
             f"with `{' '.join('#' + k for k in after[j][:6])}`" for j in range(len(posts)) if no_lookahead[j] != after[j]]
    left = [f"{labels[j]}: `{' '.join('#' + k for k in after[j][:6])}`" for j in np.flatnonzero(meat & claims["after (shipped)"])]
    body = (f"{len(posts)} held-out photos, {int(meat.sum())} of meat or fish dishes "
            f"({', '.join(sorted({lab for lab, m in zip(labels, meat) if m}))}).\n\n"
            + markdown_table(["system", "meat dishes with a diet claim in the top 10", "other dishes with one",
                              "dish named in the top 10"], rows)
            + "\nChanged (meat dishes):\n\n" + "\n".join(examples or ["- none"])
            + "\n\nChanged by the look-ahead (a meat tag within the next `diet_lookahead` candidates below the "
            "claim drops it; every dish):\n\n" + "\n".join(ahead[:6] or ["- none"])
            + "\n\nStill claimed (the head unsure of the dish, or the claim ranked above any meat tag): "
            + ("; ".join(left) if left else "none") + ".\n")
    return publish("diet_claims", "Photos of meat dishes: no diet claim (photo rule 8)", body)


if __name__ == "__main__":
    raise SystemExit(main())

"""Photos alone: the topic head's 'none of these' and ImageNet's sure names (2026-12-08).

    .venv/bin/python benchmarks/photo_names.py

Two changes to what a photo alone gets, measured together against the model without them,
from the same scores in one run. (1) `LearnedCombiner.off_topic`: the topic head's own
tags count 1 - p('none of these') (before: fully, whatever p). (2) Photo rule 6: where no
labels head is sure, a name the ImageNet concepts are sure of (not a broad category) leads
(before: only the heads' names). Measures:
* Flickr8k photos (val, where it was chosen; test, held out): the share of top-5 positions
  whose tag's words a caption of the photo uses (issue 13's measure, as image_text.py counts it);
* topic8 val photos: a topic top-100 tag in the top 5 (the image-labels constraint);
* every 5th ImageNet sample photo (200): its class name in the top 5 (a specific answer a
  popular tag cannot give), and the share of top-5 tags that one to five training posts carry;
* the labels measures on 40 training-split photos of each labelled set;
* the first changed top 5s of each set (a photo from each labelled set, ImageNet, Flickr8k).
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
from image_text import (caption_words, flickr_photos, imagenet_samples, labels_train, share_top5,  # noqa: E402
                        topic8_val_posts)

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender, photo_rules  # noqa: E402


def heads_only(self, image, ranked):  # noqa: ANN001, ANN201 - PhotoRules._names_first as it was
    named = {key for name, scores in image.items() if name.startswith(photo_rules.LABELS_PREFIX)
             for key, score in scores.items() if score >= self.confident}
    return ranked if not named else [r for r in ranked if r.key in named] + [r for r in ranked if r.key not in named]


class before:
    """The shipped model without both changes while inside."""

    def __init__(self, rec: Recommender) -> None:
        self.rec = rec

    def __enter__(self) -> None:
        self.saved = (self.rec.combiner.off_topic, photo_rules.PhotoRules._names_first)
        self.rec.combiner.off_topic = {}
        photo_rules.PhotoRules._names_first = heads_only

    def __exit__(self, *exc: object) -> None:
        self.rec.combiner.off_topic, photo_rules.PhotoRules._names_first = self.saved


def served(rec: Recommender, paths: list[Path], k: int = 5) -> list[list[str]]:
    posts = [Post(id=p.name, images=[str(p)]) for p in paths]
    return [[s.key for s in pred.hashtags] for pred in rec.suggest_many(posts, k=k)]


def both(rec: Recommender, paths: list[Path], k: int = 5) -> tuple[list[list[str]], list[list[str]]]:
    with before(rec):
        old = served(rec, paths, k)
    return old, served(rec, paths, k)


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load("default")
    rows, examples = [], []
    pct = lambda xs: f"{100 * float(np.mean(xs)):.1f}"  # noqa: E731

    def example(name: str, path: Path, old: list[str], new: list[str]) -> None:
        examples.append(f"- {name}, `{path.name}`\n  - before: `{' '.join('#' + k for k in old[:5])}`\n"
                        f"  - after: `{' '.join('#' + k for k in new[:5])}`")

    for split in ("val", "test"):
        paths, captions = flickr_photos(data, split)
        words = [caption_words(c) for c in captions]
        old, new = both(rec, paths)
        rows.append([f"Flickr8k {split} photos: top-5 positions a caption's words name", len(paths),
                     pct(share_top5(old, words)), pct(share_top5(new, words))])
        if split == "val":
            example("Flickr8k", *next((p, o, n) for p, o, n in zip(paths, old, new, strict=True) if o != n))
    posts, wanted = topic8_val_posts(data)
    old, new = both(rec, [Path(p.images[0]) for p in posts])
    rows.append(["topic8 val photos: a topic top-100 tag in the top 5", len(posts),
                 pct([bool(set(r) & w) for r, w in zip(old, wanted, strict=True)]),
                 pct([bool(set(r) & w) for r, w in zip(new, wanted, strict=True)])])
    imagenet, names = imagenet_samples(data, every=5)
    old, new = both(rec, imagenet)
    rows.append(["ImageNet samples (every 5th): class name in the top 5", len(imagenet),
                 pct([n in r for n, r in zip(names, old, strict=True)]), pct([n in r for n, r in zip(names, new, strict=True)])])
    counts = rec.vocab.count
    rows.append(["the same: top-5 tags 1 to 5 training posts carry", len(imagenet),
                 pct([1 <= counts(k) <= 5 for r in old for k in r]), pct([1 <= counts(k) <= 5 for r in new for k in r])])
    for path, o, n in [(p, o, n) for p, o, n in zip(imagenet, old, new, strict=True) if o != n][:2]:
        example("ImageNet", path, o, n)
    items = labels_train(data)
    old, new = both(rec, [p for _, p, _ in items], k=10)
    for label in dict.fromkeys(name for name, _, _ in items):
        idx = [i for i, (name, _, _) in enumerate(items) if name == label]
        top = 10 if label == "pets" else 5
        rows.append([f"{label}: label named in the top {top} (training-split photos)", len(idx),
                     pct([bool(set(old[i][:top]) & items[i][2]) for i in idx]),
                     pct([bool(set(new[i][:top]) & items[i][2]) for i in idx])])
        changed = [i for i in idx if old[i][:5] != new[i][:5]]
        if changed:
            example(label, items[changed[0]][1], old[changed[0]], new[changed[0]])
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["measure (photo alone)", "photos", "before %", "after %"], rows)
            + "\n\nChanged top 5s (the first of each set; ImageNet two):\n\n" + "\n".join(examples) + "\n")
    return publish("photo_names", "Photos alone: the topic head's 'none of these', ImageNet's sure names", body)


if __name__ == "__main__":
    sys.exit(main())

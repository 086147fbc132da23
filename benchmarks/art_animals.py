"""Animals on artworks: photo rule 4's artwork rule for unsure animal tags.

    .venv/bin/python benchmarks/art_animals.py

ImageNet has no class for a painted person: it reads a woman's hair, a flock of painted sheep
or a rider's horse as 0.1-0.6 'dog', and the served list said #dog under portraits. Before
2026-12-08 the artwork rule (the topic head sure of art, p >= 0.5) dropped only food tags; now
it drops a tag naming only animals the pictures are not confident of, as the baby rule does,
and in those rules a broad category (#animal, #pet) is confident only through a confident
concept inside it (ImageNet's 'animal' mass sums every weak guess below it). Photos alone,
served top 5, from the same model in one run: before = `PhotoRules.art_animals` and
`categories_inside` off, after = as shipped.

Ground truth for artworks is the museum's title (art-museum-public-domain `index.csv`): an
*unnamed animal* is a top-5 tag naming only animals (WordNet concepts of the shipped concept
table) when the title names none ('Portrait of Philip IV' with #dog); a *title's animal* is a
top-5 tag naming an animal the title names, or a category above it ('Study of a Cow' with #ox
or #animal). Titles under-name (a dog in a corner of a genre scene goes unnamed), so the first
count is an upper bound on the wrong tags. The held-out artworks are the hash split the topic
head never trained on (`split_of(path, val=0.1, test=0.2) == 'test'`, as
scripts/train_image_topic.py splits topic8, which lists these photos); the other artworks
trained the topic head, so its p(art) is in-sample there. Also counted: babies (the baby rule
reads categories the new way; no photo of the set shows an animal), jewellery (the rule of a
sure head of things), and the measures of other photos (Flickr8k caption words, topic8 topic
tags, ImageNet class names), which the rule should leave alone.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402

from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.evaluate.protocol import split_of  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

ANIMAL = frozenset({"animal"})


def artworks(data: Path) -> list[tuple[Path, str, bool]]:
    """(photo, title, held out from the topic head) of every artwork here."""
    root = data / "art-museum-public-domain"
    with open(root / "index.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [(root / r["image"], r["title"],
             split_of(f"art-museum-public-domain/{r['image']}", val=0.1, test=0.2) == "test") for r in rows]


def title_animals(rec: Recommender, title: str) -> frozenset[int]:
    """The animal concepts a title's words (or their singulars) name."""
    table = rec.photo_rules.concepts.table
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", title)]
    words += [w[:-1] for w in words if w.endswith("s")]
    return frozenset(c for w in words for c in table.words.get(w, ()) if table.kinds[c] == "animal")


def animal_counts(rec: Recommender, tops: list[list[str]], titles: list[str]) -> tuple[int, int, int]:
    """(artworks with an unnamed animal tag, artworks whose title names an animal, of those the
    ones whose top 5 names it or a category above it)."""
    table, rules = rec.photo_rules.concepts.table, rec.photo_rules
    unnamed = titled = shown = 0
    for top, title in zip(tops, titles, strict=True):
        named = title_animals(rec, title)
        tags = [rules.names_only(k, ANIMAL) for k in top[:5]]
        if not named:
            unnamed += any(tags)
            continue
        titled += 1
        shown += any(set(c) & named or table.broader(c, named) for c in tags if c)
    return unnamed, titled, shown


def served(rec: Recommender, paths: list[Path], k: int = 5) -> list[list[str]]:
    posts = [Post(id=str(p), images=[str(p)]) for p in paths]
    return [[s.key for s in pred.hashtags] for pred in rec.suggest_many(posts, k=k)]


def other_sets(data: Path) -> dict[str, list[Path]]:
    from _image_labels import held_out
    from taglens.vision.datasets import labelled_set

    babies = sorted((data / "babies-crib-poses" / "images").rglob("*.jpg"))
    jewellery, ids = labelled_set(data, "jewellery")
    keep = held_out(ids)
    return {"babies-crib-poses (all here)": babies,
            "jewellery (held-out)": [p for p, k in zip(jewellery.paths, keep, strict=True) if k]}


def side_measures(rec: Recommender, data: Path) -> dict[str, float]:
    """The photo measures of benchmarks/image_text.py and photo_names.py on this model."""
    from image_text import caption_words, flickr_photos, imagenet_samples, share_top5, topic8_val_posts

    out = {}
    for split in ("val", "test"):
        paths, captions = flickr_photos(data, split)
        out[f"Flickr8k {split}: top-5 positions a caption's word names"] = 100 * float(
            np.mean(share_top5(served(rec, paths), [caption_words(c) for c in captions])))
    posts, wanted = topic8_val_posts(data)
    tops = [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=5)]
    out["topic8 val: a topic tag in the top 5"] = 100 * float(np.mean([bool(set(t) & w) for t, w in zip(tops, wanted)]))
    inet, names = imagenet_samples(data, every=5)
    tops = served(rec, inet)
    out["ImageNet samples (every 5th): class name in the top 5"] = 100 * float(np.mean(
        [n in t for n, t in zip(names, tops, strict=True)]))
    return out


def main() -> int:
    data = shared_data()
    if data is None:
        print("art_animals: ../shared/data is absent; nothing to measure", file=sys.stderr)
        return 0
    rec = Recommender.load("default")
    rules = rec.photo_rules
    art = artworks(data)
    sides = other_sets(data)
    results = {}
    for name, on in (("before", False), ("after", True)):
        rules.art_animals = rules.categories_inside = on
        results[name] = {"art": served(rec, [p for p, _, _ in art]),
                         **{s: served(rec, paths) for s, paths in sides.items()},
                         "side": side_measures(rec, data)}
    rules.art_animals = rules.categories_inside = True
    rows = []
    for label, held in (("held out from the topic head", True), ("trained the topic head", False)):
        pick = [i for i, (_, _, h) in enumerate(art) if h == held]
        titles = [art[i][1] for i in pick]
        counts = {n: animal_counts(rec, [results[n]["art"][i] for i in pick], titles) for n in results}
        (bu, bt, bs), (au, _, as_) = counts["before"], counts["after"]
        free = len(pick) - bt
        rows.append([f"artworks, {label}", len(pick), f"{bu} of {free} ({100 * bu / max(free, 1):.1f} %)",
                     f"{au} of {free} ({100 * au / max(free, 1):.1f} %)", f"{bs} of {bt}", f"{as_} of {bt}"])
    side_rows = []
    for s, paths in sides.items():
        b = sum(any(rules.names_only(k, ANIMAL) for k in t[:5]) for t in results["before"][s])
        a = sum(any(rules.names_only(k, ANIMAL) for k in t[:5]) for t in results["after"][s])
        changed = sum(x != y for x, y in zip(results["before"][s], results["after"][s], strict=True))
        side_rows.append([s, len(paths), f"{100 * b / len(paths):.1f} %", f"{100 * a / len(paths):.1f} %", changed])
    measure_rows = [[m, f"{results['before']['side'][m]:.1f}", f"{v:.1f}"] for m, v in results["after"]["side"].items()]
    examples = []
    for (path, title, held), b, a in zip(art, results["before"]["art"], results["after"]["art"], strict=True):
        if b != a and held and len(examples) < 8:
            examples.append(f"- *{title}* (`{path.name}`, held out)\n  - before: `{' '.join('#' + k for k in b)}`\n"
                            f"  - after: `{' '.join('#' + k for k in a)}`")
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["photos", "n", "unnamed animal tag, before", "after",
                              "title's animal in top 5, before", "after"], rows)
            + "\n" + markdown_table(["other photos", "n", "an animal tag in the top 5, before", "after",
                                      "top 5s changed"], side_rows)
            + "\n" + markdown_table(["measure (photo alone)", "before", "after"], measure_rows)
            + "\nChanged lists (held-out artworks, first eight):\n\n" + "\n".join(examples) + "\n")
    return publish("art_animals", "Photos alone: animals on artworks (photo rule 4)", body)


if __name__ == "__main__":
    sys.exit(main())

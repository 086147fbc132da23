"""Broad categories beside a narrower tag (#animal, #pet after #dog): the grounding rule 'broader'.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/broader_tags.py

Within five slots, a tag naming only a broader WordNet category than a tag already there
goes after the others unless the caption writes it (recommend/grounding.py,
`_not_broader`). Before: the shipped model with the rule switched off
(`allow="broader"`); after: as shipped. Both in this run, each photo alone, as
`taglens suggest` serves it.

* Flickr8k photos (flickr8k-captions-1k): the share of the top 5 positions holding a tag
  whose words occur in one of the photo's five captions (issue 13's measure, as
  benchmarks/image_text.py counts it), on the *val* split (where the rule was looked at)
  and the *test* split (held out);
* the held-out labelled photos (the pets, food and flowers sets' hash split): the share
  whose top 5 names the species, dish or flower (must not drop) and the share of top-5
  positions taken by a broad category tag beside a narrower one;
* examples from each set, top 5 before and after.
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
from _results import markdown_table, publish, shared_data  # noqa: E402
from image_text import caption_words, flickr_photos, share_top5  # noqa: E402

from taglens.evaluate.metrics import bootstrap_interval  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.recommend.grounding import _broader_than  # noqa: E402
from taglens.vision.concepts import load_concepts  # noqa: E402
from taglens.vision.datasets import labelled_set  # noqa: E402

SYSTEMS = {"before (rule off)": "broader", "after (shipped)": None}
LABELLED = ("pets", "food", "flowers")
SPECIES = {"pets": ("cat", "dog")}


def top5(rec: Recommender, posts: list[Post], allow: str | None) -> list[list[str]]:
    return [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=5, batch_size=16, allow=allow)]


def broad_share(tops: list[list[str]]) -> float:
    """Share of top-5 positions holding a tag broader than an earlier tag of the same list."""
    table = load_concepts()
    hits = [_broader_than(table, key, top[:i], frozenset()) for top in tops for i, key in enumerate(top[:5])]
    return 100 * float(np.mean(hits)) if hits else 0.0


def flickr_rows(rec: Recommender, data: Path) -> tuple[list[list[str]], list[str]]:
    rows, examples = [], []
    for split in ("val", "test"):
        paths, captions = flickr_photos(data, split)
        posts = [Post(id=p.name, images=[str(p)]) for p in paths]
        words = [caption_words(c) for c in captions]
        tops = {name: top5(rec, posts, allow) for name, allow in SYSTEMS.items()}
        for name, top in tops.items():
            share = share_top5(top, words)
            lo, hi = bootstrap_interval(share)
            rows.append([f"Flickr8k {split}{' (held out)' if split == 'test' else ' (looked at)'}", len(posts), name,
                         f"{100 * np.mean(share):.1f} ({100 * lo:.1f}-{100 * hi:.1f})", f"{broad_share(top):.1f} %"])
        if split == "test":
            before, after = tops.values()
            changed = [i for i in range(len(paths)) if before[i] != after[i]][:4]
            examples += [f"- Flickr8k `{paths[i].name}`, \"{captions[i][0]}\": before `{_tags(before[i])}`, "
                         f"after `{_tags(after[i])}`" for i in changed]
    return rows, examples


def labelled_rows(rec: Recommender, data: Path) -> tuple[list[list[str]], list[str]]:
    rows, examples = [], []
    for name in LABELLED:
        photos, ids = labelled_set(data, name)
        test = np.flatnonzero(held_out(ids))
        posts = [Post(id=ids[i], images=[str(photos.paths[i])]) for i in test]
        tops = {system: top5(rec, posts, allow) for system, allow in SYSTEMS.items()}
        for system, top in tops.items():
            named = [bool(set(t) & names_of(name, photos.labels[i])) for t, i in zip(top, test, strict=True)]
            species = [any(k.startswith(SPECIES[name]) for k in t) for t in top] if name in SPECIES else None
            rows.append([f"{name} (held out)", len(posts), system, f"{100 * np.mean(named):.1f} %",
                         "" if species is None else f"{100 * np.mean(species):.1f} %", f"{broad_share(top):.1f} %"])
        before, after = tops.values()
        changed = [j for j in range(len(posts)) if before[j] != after[j]][:2]
        examples += [f"- {name} `{photos.labels[test[j]]}` (`{Path(posts[j].images[0]).name}`): before "
                     f"`{_tags(before[j])}`, after `{_tags(after[j])}`" for j in changed]
    return rows, examples


def _tags(keys: list[str]) -> str:
    return " ".join("#" + k for k in keys)


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load()
    flickr, flickr_examples = flickr_rows(rec, data)
    labelled, labelled_examples = labelled_rows(rec, data)
    body = ("Each photo alone, served top 5; before = the shipped model with the rule off (`allow=\"broader\"`), "
            "after = as shipped, same run. Caption-word share: positions whose tag's words occur in one of the "
            "photo's five captions (95 % bootstrap interval); broad tag: positions holding a broad category beside "
            "a narrower tag of the same list.\n\n"
            + markdown_table(["photos", "n", "system", "caption-word share % (95 % CI)", "broad tag beside a narrower"],
                             flickr)
            + "\n" + markdown_table(["photos", "n", "system", "label named in top 5", "species tag in top 5",
                                     "broad tag beside a narrower"], labelled)
            + "\nTop 5 before and after (held-out photos that changed):\n\n"
            + "\n".join(flickr_examples + labelled_examples) + "\n")
    return publish("broader_tags", "Photos alone: broad categories beside a narrower tag (grounding rule 'broader')", body)


if __name__ == "__main__":
    raise SystemExit(main())

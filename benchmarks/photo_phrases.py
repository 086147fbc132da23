"""Coined phrases on photos alone: venues, shops and slogans (grounding's 'rare' rule, PHRASE_USES).

    .venv/bin/python benchmarks/photo_phrases.py

A tag that reads as a phrase with a function word and that few training posts carry names a
venue (#meetmeattheabbey, a West Hollywood bar), a shop or a hairdresser (#hairbyconnie), a
painting-party chain (#paintthenight), a landmark (#palaceoffinearts): it sits near many photos
in image space because its few posters posted many photos, and no photo shows it. Since
2026-12-08, on a post of pictures only, such a tag (grounding.coined_phrase) carried by at most
grounding.PHRASE_USES (20, set before this first run) training posts is held to the 'rare'
rule as a one-poster tag is: a neighbour-copying scorer or image_text proposes it only when
the user's profile uses it or it is a supported place. Before: PHRASE_USES = 0; after: as
shipped; one process. Photos alone, served top 5. Flickr8k: the share of top-5 positions
whose tag's words a caption of the photo uses (issue 13's measure; the test photos are held
out); topic8 val: a topic top-100 tag in the top 5; ImageNet samples: the class name in the
top 5; artworks: an art tag (#art, #painting, #artwork) in the top 5. Counted on every set:
top-5 positions holding a coined phrase of at most 20 posts.
"""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402

from _results import markdown_table, paired_difference, publish, shared_data, top_keys_with  # noqa: E402

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.recommend import grounding  # noqa: E402

ART_TAGS = frozenset({"art", "painting", "artwork"})


def photo_sets(data: Path) -> dict[str, tuple[list[Path], callable]]:
    """Each set: its photos and the per-photo measure of a top 5 (a share in 0..1)."""
    from image_text import caption_words, flickr_photos, imagenet_samples, tag_hit, topic8_val_posts

    sets = {}
    for split in ("val", "test"):
        paths, captions = flickr_photos(data, split)
        words = [caption_words(c) for c in captions]
        sets[f"Flickr8k {split}: top-5 positions a caption's word names"] = (
            paths, lambda i, top, w=words: sum(tag_hit(t, w[i]) for t in top[:5]) / 5)
    posts, wanted = topic8_val_posts(data)
    sets["topic8 val: a topic tag in the top 5"] = (
        [Path(p.images[0]) for p in posts], lambda i, top, w=wanted: float(bool(set(top[:5]) & w[i])))
    inet, names = imagenet_samples(data)
    sets["ImageNet samples: the class name in the top 5"] = (
        inet, lambda i, top, n=names: float(n[i] in top[:5]))
    art = sorted((data / "art-museum-public-domain" / "images").glob("*.jpg"))
    sets["artworks (all here): an art tag in the top 5"] = (art, lambda i, top: float(bool(set(top[:5]) & ART_TAGS)))
    return sets


def phrases_in(rec: Recommender, tops: list[list[str]]) -> collections.Counter:
    uses = rec.grounding.uses
    return collections.Counter(k for top in tops for k in top[:5]
                               if 0 < uses.get(k, 0) <= 20 and grounding.coined_phrase(k))


def main() -> int:
    data = shared_data()
    if data is None:
        print("photo_phrases: ../shared/data is absent; nothing to measure", file=sys.stderr)
        return 0
    rec = Recommender.load("default")
    rows, gone, came, examples = [], collections.Counter(), collections.Counter(), []
    for name, (paths, measure) in photo_sets(data).items():
        posts = [Post(id=str(p), images=[str(p)]) for p in paths]
        before = top_keys_with(rec, posts, 5, grounding, "PHRASE_USES", 0)
        after = top_keys_with(rec, posts, 5)
        b = [measure(i, t) for i, t in enumerate(before)]
        a = [measure(i, t) for i, t in enumerate(after)]
        rows.append([name, len(paths), f"{100 * np.mean(b):.1f}", f"{100 * np.mean(a):.1f}",
                     paired_difference([y - x for x, y in zip(b, a, strict=True)]),
                     sum(phrases_in(rec, before).values()), sum(phrases_in(rec, after).values()),
                     sum(x != y for x, y in zip(before, after, strict=True))])
        for path, x, y in zip(paths, before, after, strict=True):
            gone.update(k for k in x if k not in y)
            came.update(k for k in y if k not in x)
            if x != y and len(examples) < 8 and len([e for e in examples if name in e]) < 2:
                examples.append(f"- {name.split(':')[0]}, `{path.name}`\n  - before: `{' '.join('#' + k for k in x)}`\n"
                                f"  - after: `{' '.join('#' + k for k in y)}`")
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["photos alone", "n", "before", "after", "change (paired 95 % CI)",
                              "coined-phrase positions, before", "after", "top 5s changed"], rows)
            + "\nTags that left the top 5s: " + ", ".join(f"#{k} ({n})" for k, n in gone.most_common(25))
            + ".\n\nTags that came in their place: " + ", ".join(f"#{k} ({n})" for k, n in came.most_common(15))
            + ".\n\nChanged lists (first two per set):\n\n" + "\n".join(examples) + "\n")
    return publish("photo_phrases", "Photos alone: coined phrases (venues, shops, slogans)", body)


if __name__ == "__main__":
    sys.exit(main())

"""Breeds the caption does not name: #frenchbulldog on "A man plays Frisbee with his dog" (rule 7).

    .venv/bin/python benchmarks/caption_breeds.py

A caption that says "dog" says nothing of which dog; the kNN and TF-IDF scorers copy the breed
their nearest posts carried (#frenchbulldog, #yorkie). Since 2026-12-08 photo rule 7, on a post
without pictures, drops a tag naming a breed of an animal the caption names only generally (a
WordNet concept narrower than the caption's, or a breed tag of the pets labels head) unless the
caption writes it; with a photo the image rules decide. Before: `PhotoRules.breeds = False`;
after: as shipped; the same scores, one run. Counted with this script's own word list (not the
rule's data): a top-5 tag containing a breed word the caption does not contain, on captions
that name a dog or a cat; paired with a measure only the specific answer meets: the top 5 holds
the caption's own animal (a tag containing 'dog', 'pupp', 'cat' or 'kitt'). Sets: the 40
hand-written animal captions (benchmarks/data/animals), the first caption of every Flickr8k photo
here that names a dog or a cat (as a text post; they describe the photo as a user might), the
real Instagram posts with a caption (own tags hidden) and TweetEval val (deduplicated, caption
only: A@5 and P@1 must hold).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]


from _results import GOLD_COLUMNS, changed_example, gold_columns, markdown_table, publish, shared_data  # noqa: E402

from taglens.evaluate.runner import rank_grounded, score_posts  # noqa: E402
from taglens.hashtags import remove_hashtags  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

GENERAL = re.compile(r"\b(?:dogs?|puppy|puppies|pups?|cats?|kittens?|kitty)\b", re.IGNORECASE)
OWN = ("dog", "pupp", "cat", "kitt")
BREEDS = ("bulldog", "frenchie", "yorkie", "yorkshire", "terrier", "retriever", "labrador", "poodle", "beagle",
          "chihuahua", "husky", "corgi", "pug", "pitbull", "shepherd", "dachshund", "pomeranian", "shihtzu", "maltese",
          "boxer", "rottweiler", "doberman", "collie", "spaniel", "greyhound", "schnauzer", "siamese", "persian",
          "mainecoon", "ragdoll", "bengal", "sphynx", "shorthair", "tabby", "abyssinian", "birman", "russianblue")


def breed_flags(text: str, top: list[str]) -> tuple[bool, bool, bool]:
    """(the caption names a dog or a cat generally, a top-5 tag holds a breed it does not write,
    a top-5 tag holds its own animal)."""
    if not GENERAL.search(text):
        return False, False, False
    lowered = re.sub(r"[^a-z]", "", text.lower())
    unnamed = any(b in k and b not in lowered for k in top[:5] for b in BREEDS)
    return True, unnamed, any(o in k for k in top[:5] for o in OWN)


def flickr_captions(data: Path) -> list[Post]:
    from image_text import flickr_photos

    posts = []
    for split in ("train", "val", "test"):
        for path, captions in zip(*flickr_photos(data, split), strict=True):
            if GENERAL.search(captions[0]):
                posts.append(Post(id=path.name, text=captions[0]))
    return posts


def main() -> int:
    rec = Recommender.load("default")
    animals = [json.loads(line)["text"] for line in (HERE / "data" / "animals" / "captions.jsonl")
               .read_text(encoding="utf-8").splitlines() if line.strip()]
    sets: dict[str, tuple[list[Post], list[set[str]] | None]] = {
        "hand-written animal captions": ([Post(id=f"a{i}", text=t) for i, t in enumerate(animals)], None)}
    data = shared_data()
    if data is not None:
        from _tasks import tweeteval_task
        from grounding import instagram_posts

        sets["Flickr8k first captions naming a dog or a cat, as text"] = (flickr_captions(data), None)
        real = [p for p in instagram_posts(data) if remove_hashtags(p.text).strip() and p.tag_keys]
        sets["real Instagram posts with a caption, own tags hidden"] = (
            [Post(id=p.id, text=remove_hashtags(p.text)) for p in real], [set(p.tag_keys) for p in real])
        task = tweeteval_task(data)
        sets["TweetEval val, caption only, deduplicated"] = (list(task.inputs), list(task.gold))
    else:
        print("caption_breeds: ../shared/data is absent; the hand-written captions only", file=sys.stderr)
    rows, examples = [], []
    for name, (posts, gold) in sets.items():
        queries, per = score_posts(rec, posts)
        rec.photo_rules.breeds = False
        try:
            before = rank_grounded(rec, queries, per, rec.banned, 10)
        finally:
            rec.photo_rules.breeds = True
        after = rank_grounded(rec, queries, per, rec.banned, 10)
        fb = [breed_flags(p.text, t) for p, t in zip(posts, before, strict=True)]
        fa = [breed_flags(p.text, t) for p, t in zip(posts, after, strict=True)]
        scores = gold_columns(before, after, gold)
        rows.append([name, len(posts), sum(f[0] for f in fb), sum(f[1] for f in fb), sum(f[1] for f in fa),
                     sum(f[2] for f in fb), sum(f[2] for f in fa),
                     sum(x[:5] != y[:5] for x, y in zip(before, after, strict=True)), *scores])
        for post, x, y in zip(posts, before, after, strict=True):
            if x[:5] != y[:5] and len([e for e in examples if name[:12] in e]) < 3:
                examples.append(changed_example(post.text, name[:12], x, y))
    body = (__doc__.split("\n\n", 2)[2].strip() + "\n\n"
            + markdown_table(["posts", "n", "naming a dog or a cat", "top 5 with an unnamed breed, before", "after",
                              "top 5 with the caption's animal, before", "after", "top 5s changed", *GOLD_COLUMNS], rows)
            + "\nChanged top 5s (first three per set):\n\n" + "\n".join(examples or ["- none"]) + "\n")
    return publish("caption_breeds", "Breeds the caption does not name (photo rule 7)", body)


if __name__ == "__main__":
    sys.exit(main())

"""Animals the post does not show: a caption's animal (photo rule 7) and baby photos (rule 4).

    .venv/bin/python benchmarks/caption_animals.py

Runs, in one process and with the shipped default model:

* the 40 hand-written captions of benchmarks/data/animals/ (each names one animal, no
  tags, no photo): the share whose top 5 holds a tag of another animal, for the shipped
  model, the same model with rule 7 switched off (what main served before it) and the
  ungrounded combiner ranking. "Another animal" is this script's own word list (below),
  not the concept table the rule reads, so the measure does not share the rule's data;
  to pair it with one only the specific answer meets, the share whose top 5 names the
  caption's own animal;
* TweetEval val (every caption, no tags; needs ../shared): how many top 5 and top 10
  lists rule 7 changes, with the changed ones printed (a team called the Panthers must
  keep its #broncos);
* photos of babies alone (babies-crib-poses, needs ../shared; those the image topic head
  never trained on: not in topic8-real-photos, or in its 'test' hash split): the share
  with an animal tag in the top 5 (this script's word list), with the baby rule of rule 4
  (the topic head sure of babies, an animal the pictures are not confident of goes) on
  and off; and the same for the held-out pets photos, which must keep their animal.

Writes the `caption_animals` section of benchmarks/RESULTS.md. The caption set needs
no ../shared; the TweetEval part is skipped without it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402
from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.corpus.importers import read_tweeteval  # noqa: E402
from taglens.evaluate.protocol import build_task  # noqa: E402
from taglens.evaluate.runner import rank_grounded, rank_with, score_posts  # noqa: E402
from taglens.post import Post, read_jsonl  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.recommend.photo_rules import PhotoRules  # noqa: E402

# Common animals and the words a tag uses for them ('puppy' is a dog, 'kitty' a cat).
ANIMALS = {
    "dog": ("dog", "puppy", "puppies", "pup", "doggo", "doggy", "pitbull", "labrador", "retriever", "beagle",
            "poodle", "bulldog", "chihuahua", "husky", "terrier", "frenchie", "corgi", "yorkie", "pug"),
    "cat": ("cat", "kitten", "kitty", "kitties", "meow", "catsof"), "rabbit": ("rabbit", "bunny", "bunnies"),
    "hamster": ("hamster",), "horse": ("horse", "pony", "equestrian"), "parrot": ("parrot",), "goat": ("goat",),
    "duck": ("duck",), "lion": ("lion",), "tortoise": ("tortoise", "turtle"), "goldfish": ("goldfish",),
    "guineapig": ("guineapig",), "fox": ("fox",), "elephant": ("elephant",), "chicken": ("chicken", "hen"),
    "cow": ("cow", "cattle"), "deer": ("deer",), "penguin": ("penguin",), "snake": ("snake",), "owl": ("owl",),
    "sheep": ("sheep", "lamb"), "dolphin": ("dolphin",), "ferret": ("ferret",), "squirrel": ("squirrel",),
    "pig": ("pig", "piglet"), "lizard": ("lizard", "gecko"), "camel": ("camel",), "bee": ("bee",),
    "butterfly": ("butterfly",), "giraffe": ("giraffe",), "monkey": ("monkey",), "tiger": ("tiger",),
    "budgie": ("budgie",), "bear": ("bear",), "zebra": ("zebra",),
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def animals_in(key: str) -> set[str]:
    """The animals of ANIMALS a tag's key mentions (substring match on the word list)."""
    return {name for name, words in ANIMALS.items() if any(w in key for w in words)}


def contradicted(ranking: Sequence[str], own: str) -> bool:
    """A top-5 tag that mentions another animal and not the caption's own."""
    return any(animals_in(k) and own not in animals_in(k) for k in ranking[:5])


@contextmanager
def without_baby_rule(rec: Recommender):
    """Rule 4's baby part off: no photo is ever sure enough of babies."""
    saved, rec.photo_rules.babies = rec.photo_rules.babies, 2.0
    try:
        yield
    finally:
        rec.photo_rules.babies = saved


def baby_photos(data: Path) -> list[Path]:
    """babies-crib-poses photos the image topic head never trained on (benchmarks/vision.py's
    topic split: topic8-real-photos, split_of(path, val=0.1, test=0.2) == 'train' is trained on)."""
    import csv

    from taglens.splits import split_of

    topic8 = data / "topic8-real-photos"
    with open(topic8 / "index.csv", encoding="utf-8") as handle:
        listed = {(topic8 / r["image"]).resolve() for r in csv.DictReader(handle)}
    photos = sorted((data / "babies-crib-poses" / "images").rglob("*.jp*g"))
    return [p for p in photos if p.resolve() not in listed
            or split_of(str(p.resolve().relative_to(data.resolve())), val=0.1, test=0.2) == "test"]


def photo_section(rec: Recommender, data: Path) -> str:
    from _image_labels import held_out

    from taglens.vision.datasets import labelled_set

    pets, ids = labelled_set(data, "pets")
    sets = {"babies (held out from the topic head)": ([str(p) for p in baby_photos(data)], None),
            "pets (held out from the labels heads)": ([str(pets.paths[i]) for i in np.flatnonzero(held_out(ids))], True)}
    rows, examples = [], []
    for name, (paths, animal) in sets.items():
        posts = [Post(id=str(i), images=[p]) for i, p in enumerate(paths)]
        shipped = [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=5)]
        with without_baby_rule(rec):
            before = [[s.key for s in p.hashtags] for p in rec.suggest_many(posts, k=5)]
        rate = {n: sum(bool(set().union(*map(animals_in, r))) for r in ranks) / max(len(ranks), 1)
                for n, ranks in (("on", shipped), ("off", before))}
        rows.append([name, len(posts), f"{100 * rate['off']:.1f}", f"{100 * rate['on']:.1f}",
                     sum(a != b for a, b in zip(shipped, before, strict=True))])
        if animal is None:
            examples += [f"- `{Path(p).name}`: `{' '.join('#' + k for k in b)}` -> `{' '.join('#' + k for k in a)}`"
                         for p, a, b in zip(paths, shipped, before, strict=True) if a != b][:4]
    table = markdown_table(["photos alone", "photos", "animal tag in top 5 %, rule off", "rule on (shipped)",
                            "top 5 changed"], rows)
    return ("### Photos of babies (rule 4: the topic head sure of babies, p >= 0.5)\n\n" + table +
            "\nFirst baby photos the rule changed:\n\n" + "\n".join(examples) + "\n\n")


@contextmanager
def without_rule_7():
    """Photo rule 7 off: the caption names no animal as far as the rules know."""
    saved = PhotoRules._caption_animals
    PhotoRules._caption_animals = lambda self, query: frozenset()  # type: ignore[method-assign]
    try:
        yield
    finally:
        PhotoRules._caption_animals = saved  # type: ignore[method-assign]


def caption_set(rec: Recommender) -> tuple[str, dict[str, float]]:
    posts = [p for _, p in read_jsonl(HERE / "data" / "animals" / "captions.jsonl") if isinstance(p, Post)]
    own = [p.meta["animal"] for p in posts]
    queries, per = score_posts(rec, posts)
    shipped = rank_grounded(rec, queries, per, rec.banned, 5)
    with without_rule_7():
        before = rank_grounded(rec, queries, per, rec.banned, 5)
    ungrounded = rank_with(rec.combiner, queries, per, rec.banned, 5)
    rows, figures = [], {}
    for name, ranks in (("taglens, shipped (rule 7)", shipped), ("taglens without rule 7 (before)", before),
                        ("ungrounded combiner ranking", ungrounded)):
        bad = sum(contradicted(r, a) for r, a in zip(ranks, own, strict=True)) / len(posts)
        named = sum(a in set().union(*map(animals_in, r[:5])) for r, a in zip(ranks, own, strict=True)) / len(posts)
        rows.append([name, len(posts), f"{100 * bad:.1f}", f"{100 * named:.1f}"])
        figures[name] = bad
    table = markdown_table(["system", "captions", "another animal's tag in top 5 %", "own animal in top 5 %"], rows)
    examples = [f"- \"{p.text}\" ({a})\n  - before: `{' '.join('#' + k for k in b)}`\n"
                f"  - after: `{' '.join('#' + k for k in s)}`"
                for p, a, b, s in zip(posts, own, before, shipped, strict=True) if b != s]
    text = (f"### Hand-written captions naming an animal ({len(posts)}, benchmarks/data/animals)\n\n{table}\n"
            f"Captions whose top 5 rule 7 changed ({len(examples)}):\n\n" + "\n".join(examples) + "\n\n")
    return text + others(rec), figures


OTHERS = ("Atardecer en la playa con mis amigos", "Pôr do sol na praia com meus amigos, que dia lindo",
          "Sonnenuntergang am Strand mit Freunden", "Golden hour at the beach with friends",
          "Mi perro y mi gato durmiendo juntos")


def others(rec: Recommender) -> str:
    """Captions naming no animal in English words (other languages, a placeless beach): rule 7
    must leave their top 5 as it was."""
    posts = [Post(id=f"other-{i}", text=t) for i, t in enumerate(OTHERS)]
    queries, per = score_posts(rec, posts)
    shipped = rank_grounded(rec, queries, per, rec.banned, 5)
    with without_rule_7():
        before = rank_grounded(rec, queries, per, rec.banned, 5)
    lines = [f"- \"{p.text}\": `{' '.join('#' + k for k in a)}` ({'same' if a == b else 'before: ' + ' '.join(b)})"
             for p, a, b in zip(posts, shipped, before, strict=True)]
    return "Captions unlike these, top 5 with rule 7 (and whether it is the same without it):\n\n" + "\n".join(lines) + "\n\n"


def tweeteval(rec: Recommender, data: Path) -> str:
    tweets = [p for _, p in read_tweeteval(data / "tweeteval-emoji" / "val_text.txt") if isinstance(p, Post)]
    task = build_task(tweets, "caption")
    queries, per = score_posts(rec, task.inputs)
    shipped = rank_grounded(rec, queries, per, rec.banned, 10)
    with without_rule_7():
        before = rank_grounded(rec, queries, per, rec.banned, 10)
    top5 = sum(a[:5] != b[:5] for a, b in zip(shipped, before, strict=True))
    top10 = [(p, b, a) for p, a, b in zip(task.inputs, shipped, before, strict=True) if a != b]
    lines = [f"- \"{p.text[:80]}\"\n  - before: `{' '.join(b)}`\n  - after: `{' '.join(a)}`" for p, b, a in top10]
    return (f"### TweetEval val, caption only ({len(task.inputs)} posts, copies kept: this counts changes, not accuracy)\n\n"
            f"Rule 7 changes the top 5 of {top5} posts and the top 10 of {len(top10)}:\n\n" + "\n".join(lines) + "\n")


def main() -> int:
    start = time.time()
    rec = Recommender.load()
    body, figures = caption_set(rec)
    log(f"hand-written captions: {figures}")
    data = shared_data()
    if data is None:
        log("../shared/data is absent: the TweetEval part is skipped")
        body += "TweetEval part skipped: ../shared/data is absent.\n"
    else:
        body += photo_section(rec, data) + tweeteval(rec, data)
    intro = ("Rule 7 of recommend/photo_rules.py: when the caption's own words (lower case) name an animal, a tag "
             "naming only animals exclusive with it is dropped, on any post. Rule 4's baby part: on a photo the "
             "image topic head is sure is of babies, a tag naming only animals the pictures are not confident of "
             "is dropped. Same process, same scorer answers; 'before' / 'off' switches the rule off. "
             f"Run: {time.time() - start:.0f} s.\n\n")
    return publish("caption_animals", "Animals the post does not show: caption animals, baby photos", intro + body)


if __name__ == "__main__":
    raise SystemExit(main())

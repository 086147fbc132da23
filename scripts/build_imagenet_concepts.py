"""Build the ImageNet concept table (src/taglens/data/encoders/imagenet_concepts.json) from a real WordNet.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/build_imagenet_concepts.py

Run once, at build time (needs Debian's `wordnet-base` and nltk; the package reads
only the JSON it writes). The ImageNet-1k classes are WordNet 3.0 noun synsets; this
script walks every hypernym path of each class and writes:

* `concepts`: every synset on those paths (the classes themselves included), with
  its lemmas, the indices of the classes below it and its WordNet depth. A concept's
  photo score is the probability mass of its classes (taglens.vision.concepts).
* `class_concepts`: for each class index, the concepts above it (itself included).
* `words`: a hashtag key (a WordNet noun lemma, its plural) -> the most specific
  concepts its first noun sense lies under, among concepts with at most `--max-classes`
  classes (so `#puppy` names *dog*; `#kitten`, under *young mammal*, names nothing here and
  taglens.vision.concepts.WORD_ALIASES maps it to *cat* on load; a word under only
  *artifact* or *organism* names nothing). Read when a vocabulary tag is checked
  against what a photo shows.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from taglens.vision.encoder import encoders_dir  # noqa: E402



def open_wordnet():  # noqa: ANN201 - an NLTK reader
    import nltk

    from taglens.evaluate.baselines import _nltk_wordnet_root, _reader_class, wordnet_available

    folder = wordnet_available()
    if folder is None:
        raise SystemExit("WordNet is not installed (apt-get install wordnet-base)")
    root = _nltk_wordnet_root(folder)
    for allowed in (folder, str(root)):
        if allowed not in nltk.data.path:
            nltk.data.path.append(allowed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _reader_class()(str(root), None), folder


def key_of(lemma: str) -> str:
    return re.sub(r"[^0-9a-z]", "", lemma.lower())


def plurals(key: str) -> list[str]:
    if key.endswith(("s", "x", "ch", "sh")):
        return [key + "es"]
    if key.endswith("y") and len(key) > 2 and key[-2] not in "aeiou":
        return [key[:-1] + "ies"]
    return [key + "s"]


# The only words whose first WordNet sense is not what a hashtag means (#plant: flora, not a factory).
SENSE_OVERRIDES = {"plant": "plant.n.02", "plants": "plant.n.02"}
# A concept's kind: the first of these it lies under. Concepts of the first three kinds exclude
# each other when disjoint (a cat is not a dish, a sunflower not a dog); `person` is read for
# the sensitive-concept rule. Words naming only other kinds (artifacts, places) are not listed.
KINDS = (("animal", "animal.n.01"), ("food", "food.n.01"), ("food", "food.n.02"), ("plant", "plant.n.02"),
         ("person", "person.n.01"), ("artifact", "artifact.n.01"))
WORD_KINDS = {"animal", "food", "plant", "person"}


def word_senses(wn, lemma: str):  # noqa: ANN001, ANN201
    """The word's first (most frequent) noun sense only: 'love' is a feeling, not a beloved
    person, and 'food' is food.n.01 (dishes included); later senses would make common tags
    name things nobody means by them."""
    if lemma in SENSE_OVERRIDES:
        return [wn.synset(SENSE_OVERRIDES[lemma])]
    return wn.synsets(lemma, pos="n")[:1]


def kind_of(synset) -> str:  # noqa: ANN001
    above = {a.name() for p in synset.hypernym_paths() for a in p}
    return next((kind for kind, root in KINDS if root in above), "other")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=encoders_dir() / "imagenet_concepts.json")
    parser.add_argument("--max-classes", type=int, default=130,
                        help="words name only concepts this specific (dog: 118 classes; carnivore: 158 is too broad)")
    args = parser.parse_args()
    wn, folder = open_wordnet()
    labels = json.loads((encoders_dir() / "imagenet_labels.json").read_text(encoding="utf-8"))["classes"]
    below: dict[object, set[int]] = defaultdict(set)
    class_synsets = []
    for c in labels:
        synset = wn.synset_from_pos_and_offset("n", int(c["wnid"][1:]))
        class_synsets.append(synset)
        for path in synset.hypernym_paths():
            for node in path:
                below[node].add(int(c["index"]))
    nodes = sorted(below, key=lambda s: (-len(below[s]), s.name()))
    index = {s: i for i, s in enumerate(nodes)}
    concepts = [{"id": s.name(), "name": s.lemmas()[0].name().replace("_", " "),
                 "lemmas": [lemma.name().replace("_", " ") for lemma in s.lemmas()],
                 "classes": sorted(below[s]), "depth": s.min_depth(), "kind": kind_of(s)} for s in nodes]
    for i, c in enumerate(labels):  # a class's display name is ImageNet's own ('Granny Smith', 'hotdog')
        concepts[index[class_synsets[i]]]["name"] = c["name"]
    class_concepts = [sorted(index[a] for p in s.hypernym_paths() for a in p) for s in class_synsets]
    class_concepts = [sorted(set(cc)) for cc in class_concepts]

    specific = {s for s in nodes if len(below[s]) <= args.max_classes and kind_of(s) in WORD_KINDS}
    words: dict[str, list[int]] = {}
    node_lemmas = {lemma.name() for s in nodes for lemma in s.lemmas()}
    for lemma in wn.all_lemma_names(pos="n"):
        key = key_of(lemma)
        # single words (a tag's segments) and the concepts' own names ('golden retriever'): ~10x smaller
        if not key or key in words or (("_" in lemma or "-" in lemma) and lemma not in node_lemmas):
            continue
        found: set[object] = set()
        for sense in word_senses(wn, lemma):
            above = {a for p in sense.hypernym_paths() for a in p} & specific
            lowest = {a for a in above if not any(a is not b and a in {x for p in b.hypernym_paths() for x in p}
                                                  for b in above)}
            found |= lowest
        if found:
            ids = sorted(index[s] for s in found)
            words[key] = ids
    for key, ids in list(words.items()):
        for plural in plurals(key) if key.isalpha() else ():
            words.setdefault(plural, ids)
    table = {
        "source": (f"Built by scripts/build_imagenet_concepts.py from Princeton WordNet 3.0 ({folder}, Debian "
                   "wordnet-base; WordNet licence: free use with attribution, see /usr/share/doc/wordnet-base/copyright) "
                   "and the ImageNet-1k class ids of imagenet_labels.json. concepts: every hypernym of a class; "
                   "classes: the ImageNet indices below each; words: hashtag key -> most specific concepts "
                   f"(at most {args.max_classes} classes) of its first noun sense."),
        "max_classes": args.max_classes,
        "concepts": concepts,
        "class_concepts": class_concepts,
        "words": dict(sorted(words.items())),
    }
    args.out.write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {args.out}: {len(concepts)} concepts, {len(words)} words, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

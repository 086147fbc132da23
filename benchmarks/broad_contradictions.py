"""Broad categories the photo contradicts: #pet and #animal on a sunflower, #food on a cat.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/broad_contradictions.py

Photo rule 4 (recommend/photo_rules.py) drops a tag naming only concepts exclusive with
what a photo is confident of. #dog names the concept dog, so a confident cat loses it;
#pet and #animal named no concept (the table keeps a word's most specific senses), so a
sunflower photo, whose disc ImageNet reads as a leopard's spots, got #pet and #animal. Now
a tag that names no specific concept is read as its broad WordNet category (at most
BROAD_DEPTH deep: animal, domestic animal, food), which contradicts a confident concept of
another kind only (#pet stays on a hamster). And a labels head's tag is evidence of its
head's own kind only (`PhotoRules.head_kinds`: the food head's #beefcarpaccio also named
cattle, so the photo was 'sure' of an animal, and #foodporn, a food category, fell to it;
and a head's own tag names what its head means: #beefcarpaccio a dish, not cattle). And a
head of things (jewellery, building styles: its tags name no animal, food or plant) sure of
its label drops the tags naming only such concepts the pictures are not sure of (#food beside
#earrings, from popularity and a weak image_text match).

Before: `PhotoRules.broad = False` and every concept a head's tag names counted; after: as
shipped; one run, the same scores. Photos:
the held-out share of every labelled set (`split_of('<folder>/<image>', val=0, test=0.2)
== 'test'`, never trained on by the heads) and the art set, each photo alone. Nothing was
tuned: the rule has no parameter of its own.
* a broad tag of another kind in the top 5: an animal category (#animal #animals #pet #pets
  #petsofinstagram #animallovers) on a flower, dish, jewel, building or artwork; a food one
  (#food #foodie...) on a pet;
* the image-labels measures of benchmarks/vision.py (species, breed, dish, flower, jewel,
  style named), which must not fall;
* the pets' own broad tags (#pet or #animal in the top 5), which must not fall either.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from _image_labels import measure  # noqa: E402
from _results import markdown_table, publish, shared_data  # noqa: E402

from taglens.recommend import Recommender  # noqa: E402
from taglens.recommend.photo_rules import _broad_categories  # noqa: E402

SETS = ("flowers", "food", "jewellery", "architecture", "art", "pets")


def broad_kind(table, key: str) -> str | None:  # noqa: ANN001 - a ConceptTable
    named = _broad_categories(table, key)
    return table.kinds[named[0]] if named else None


def contradicted(table, tops: dict[str, list[list[str]]]) -> dict[str, tuple[int, int]]:  # noqa: ANN001
    """Per set: photos whose top 5 holds a broad tag of another kind than the set's."""
    own = {"flowers": "plant", "food": "food", "pets": "animal"}
    out = {}
    for name in SETS:
        wrong = [any((kind := broad_kind(table, k)) is not None and kind != own.get(name) for k in top[:5])
                 for top in tops[name]]
        out[name] = (sum(wrong), len(wrong))
    return out


def own_broad(tops: dict[str, list[list[str]]]) -> tuple[int, int]:
    hits = [bool({"pet", "pets", "animal", "animals"} & set(top[:5])) for top in tops["pets"]]
    return sum(hits), len(hits)


def examples(tops_before: dict, tops_after: dict, table) -> list[list[str]]:  # noqa: ANN001
    rows = []
    for name in SETS:
        for before, after in zip(tops_before[name], tops_after[name], strict=True):
            if before[:5] != after[:5] and any(broad_kind(table, k) for k in before[:5]):
                rows.append([name, " ".join(f"`#{k}`" for k in before[:5]), " ".join(f"`#{k}`" for k in after[:5])])
                break
    return rows


def main() -> int:
    data = shared_data()
    if data is None:
        return 0
    rec = Recommender.load()
    concepts = next(s for s in rec.scorers if s.name == "image_concepts")
    rules = rec.photo_rules
    shipped = rules.head_kinds, rules.tag_kinds
    rules.broad, rules.things, rules.head_kinds, rules.tag_kinds = False, False, {}, {}
    m_before, t_before, _ = measure(rec, data, concepts)
    rules.broad, rules.things, (rules.head_kinds, rules.tag_kinds) = True, True, shipped
    m_after, t_after, _ = measure(rec, data, concepts)
    table = concepts.table
    wrong_b, wrong_a = contradicted(table, t_before), contradicted(table, t_after)
    rows = [[name, wrong_b[name][1], f"{100 * wrong_b[name][0] / wrong_b[name][1]:.1f} %",
             f"**{100 * wrong_a[name][0] / wrong_a[name][1]:.1f} %**"] for name in SETS]
    pets_b, pets_a = own_broad(t_before), own_broad(t_after)
    measures = [[what, f"{100 * m_before[what][0]:.1f} %", f"{100 * m_after[what][0]:.1f} %", m_after[what][1]]
                for what in m_after]
    measures.append(["pets: #pet or #animal in top 5", f"{100 * pets_b[0] / pets_b[1]:.1f} %",
                     f"{100 * pets_a[0] / pets_a[1]:.1f} %", pets_a[1]])
    body = ("Before: photo rule 4 without broad categories (`PhotoRules.broad = False`), a labels head's tag "
            "evidence of every concept it names, and no rule for a sure head of things (`things = False`); after: as shipped (head kinds {dict(shipped[0])}). "
            "Held-out photos alone, one run.\n\n"
            + markdown_table(["set", "photos", "a broad tag of another kind in the top 5, before", "after"], rows)
            + "\n\n### The image-labels measures (benchmarks/vision.py), before and after\n\n"
            + markdown_table(["measure (photo alone)", "before", "after", "photos"], measures)
            + "\n\n### The first changed photo of each set, top 5\n\n"
            + markdown_table(["set", "before", "after"], examples(t_before, t_after, table)))
    return publish("broad_contradictions", "Broad categories the photo contradicts (photo rule 4)", body)


if __name__ == "__main__":
    sys.exit(main())

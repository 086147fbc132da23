"""Photo consistency rules: what is suggested for a picture never contradicts it.

Applied after the combiner ranks a post's candidates. Rules 1-6 apply to posts whose
pictures some image scorer read; rules 7 and 10 alone to every post. In order:

1. **The user's words win.** A tag whose key or words the caption or the given tags
   contain is never dropped by these rules.
2. **Sensitive concepts** (data/sensitive_concepts.txt: brassiere, bikini, diaper ...)
   are never suggested on a photo post.
3. **Pictures only, pictures decide.** On a post that is nothing but pictures (no
   caption, no tags), a tag no image scorer proposed (with at least `support` of its
   best score) is dropped: popularity and text priors alone do not put `#dog` or
   `#food` on a sunflower.
4. **Exclusive concepts.** The concepts a photo is confident of (ImageNet mass, or a
   labels head's tags, >= `confident`) exclude the tags that name only concepts
   exclusive with them (taglens.vision.concepts: disjoint animal/food/plant concepts)
   and that the pictures support less than the confident one (`contrast` x its score):
   no `#dog`, `#puppy` or `#dogsofinstagram` on a confident cat. A tag that names only a
   broad category of those kinds (`#animal`, `#pet`, `#animals`, `#food`: WordNet's
   categories at most `BROAD_DEPTH` deep, as the grounding's 'broader' rule reads them)
   is read as that category: no `#pet` or `#animal` on a confident sunflower (ImageNet
   saw a leopard's spots in its disc), no `#food` on a confident cat; `#animal` stays on
   a cat, the category holds it. A labels head's tag is evidence of its head's kind only
   (`head_kinds`: the kind most of its tags name), and names only that kind (`tag_kinds`):
   the food head's #beefcarpaccio is a dish, not cattle.
   A picture of a picture: when the topic head is sure the photo is art (p >= `art`),
   food tags (naming a food concept, or `food` in the tag) are dropped: a still life
   is not a meal; and so is a tag naming only animals the pictures are not confident of:
   ImageNet reads a painted woman's hair, a flock of sheep or a rider's horse as 0.1-0.6
   'dog' (#dog had been on a quarter of the held-out artworks whose title names no animal;
   benchmarks/art_animals.py). Likewise a baby: when the topic head is sure the photo is of babies
   (p >= `babies`), a tag naming only animals the pictures are not confident of is
   dropped (a crib's blanket is 12 % 'dog' to ImageNet, which has no class for a baby);
   a baby beside a confident dog keeps #dog. Likewise a thing: when a labels head whose tags
   name no animal, food or plant (jewellery, building styles: `head_kinds` None) is sure of
   its label, a tag naming only such concepts the pictures are not confident of is dropped
   (#food beside #earrings came from popularity and a weak image_text match); and on a photo
   alone, a tag only ImageNet-type readings propose (`READINGS`: ImageNet's classes, the zero-shot
   bridge, image_text; no labels head, topic head or photo neighbour) and ImageNet is not sure
   of: they read a bangle as a hair slide and an earring as a tattoo (`_mere_reading`). In these three
   rules a broad category (#animal, #pet) is confident only through a confident concept
   inside it (`_sure_inside`): ImageNet's 'animal' sums every weak guess below it.
5. **The caption's concept beats the photo's.** When the caption names a concept
   (`my dog`) exclusive with what the photo looks like (a cat), the tags naming only
   concepts exclusive with the caption's are dropped instead, and rule 4 is not applied.
6. **A confident name leads.** On a photo-only post, a tag a labels head is sure of
   (score >= `confident`: `#sunflower`, `#beagle`, `#baklava`), or where no head is, a name
   the ImageNet concepts are sure of (`#brambling`, not `#food`), comes before the rest, in the
   combiner's order: the name of what the photo shows is the point of the list, and broad
   scorers (`image_text`'s `#white`, `#pet`) must not push it below the fold.
7. **The caption's animal is not contradicted.** On any post, photo or not, when the
   caption's words name an animal (`my hamster`, `a kitten`), a tag naming only animals
   exclusive with every animal the caption names is dropped: no `#cat`, `#dog` or
   `#puppy` for a hamster. Only animals, and only the caption's words: a caption naming
   a trout may still get `#fish`, and `#cat` may still follow a given `#dog` (one user's
   pets). A word names an animal only when written in lower case (or first): 'the
   Panthers', 'Raiders/Broncos' are teams, and keep their #broncos. On a post without pictures,
   a breed of an animal the caption names only generally goes too (`_unnamed_breed`: 'his dog'
   with #frenchbulldog or #yorkie; Flickr8k captions as text posts with such a breed in the top
   5, 40 -> 4 of 187, benchmarks/caption_breeds.py). A text-only post whose caption names no
   animal (nor a time, rule 10) is returned untouched.
8. **Meat is not vegetarian.** When a labels head is sure (>= `confident`) of a dish
   whose name says meat or fish (`MEAT_WORDS` in the label's tag: #beefcarpaccio,
   #babybackribs, #chickenwings), diet claims (#vegetarian, #vegan, #plantbased ...) are
   dropped: on held-out Food-101 photos, 7 of 14 beef carpaccio and tartare photos had
   #vegetarian in their top 10, in 2nd to 4th place. Likewise beside a tag that says meat
   (`MEAT_TAGS`: #meat, #steak, #seafood) higher in the same list, or among the next
   `diet_lookahead` candidates below the claim: the list does not contradict itself (with the
   look-ahead, held-out meat dishes with a claim in the top 10: 16 % -> 4 %,
   benchmarks/diet_claims.py). Unless the user wrote the claim (rule 1); an unsure dish name,
   or a salad, keeps them.
9. **One label of a sure head.** When a labels head is sure (>= `confident`) of one of its
   labels, its other labels' tags that it gives less than `rival` are dropped: a head trained
   to tell baklava from apple pie, sure of baklava, says the photo is not of apple pie, so no
   `#applepie` (from ImageNet's or the photo kNN's pastry) beside `#baklava`, no `#necklace` on
   a bracelet the jewellery head is sure of. A label the head is unsure between (a second
   breed at 0.3) stays, and so does a tag the user wrote (rule 1). So do ImageNet's own breeds
   under a sure head of animals (`_rival_breed`): a tag naming only breeds inside a species the
   pictures are sure of, that ImageNet is not sure of and the head gives less than `rival`, goes
   (#kuvasz beside a sure #greatpyrenees, #cougar beside #russianblue; benchmarks/rival_breeds.py).
10. **The caption's time is not contradicted.** On any post, when the caption writes one side of
   a pair of `TIME_OPPOSITES` (sunrise or dawn / sunset or dusk, morning / night, winter /
   summer) and not the other, a tag whose words name the other side goes: no `#sunset` under
   'Sunrise over the Taj Mahal in Agra', no `#goodnight` under 'What an awesome morning'
   (benchmarks/caption_times.py: 6 such top 5s of 2,247 captions, 0 after; TweetEval A@5 and
   P@1 unchanged). 'From sunrise to sunset' excludes nothing; a tag the user wrote stays.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from taglens.models.base import Query, Scorer, Scores
from taglens.models.combiner import Ranked
from taglens.query import PROFILE_SUPPORT
from taglens.recommend.grounding import concept, tag_segments
from taglens.vision.concepts import BROAD_DEPTH, EXCLUSIVE_KINDS
from taglens.vision.sensitive import is_sensitive
from taglens.vision.topic import TOPICS

CONCEPTS = "image_concepts"
# scorers that read a photo with models never trained on the labelled kinds (ImageNet's classes, the
# zero-shot bridge from them, the image-text map): under a sure head of things their guess alone is no
# support (rule 4's thing rule)
READINGS = frozenset({CONCEPTS, "image_zeroshot", "image_text"})
LABELS_PREFIX = "image_labels/"
# rule 8: words in a dish's tag that say it is meat or fish (the shipped food head's labels and
# common dish names; a substring of the head's tag key: 'babybackribs' has 'rib')
MEAT_WORDS = ("beef", "pork", "chicken", "steak", "bacon", "ham", "lamb", "rib", "meat", "sausage", "salami",
              "carpaccio", "tartare", "prosciutto", "duck", "veal", "mignon", "foiegras", "fish", "salmon",
              "tuna", "shrimp", "prawn", "crab", "lobster", "oyster", "mussel", "clam", "scallop", "squid",
              "calamari", "octopus", "sushi", "sashimi", "seafood", "burger", "hotdog", "wings", "kebab")
# ... and tags that say so in the list itself: after #meat or #steak, no #vegetarian
MEAT_TAGS = frozenset({"meat", "steak", "beef", "pork", "chicken", "bacon", "ribs", "bbq", "barbecue", "burger",
                       "seafood", "fish", "sushi", "salmon", "shrimp", "lobster", "sausage", "meatlover", "carnivore"})
DIET_PREFIXES = ("vegan", "vegetarian", "plantbased", "veggie", "meatfree", "meatless", "govegan")
# a labels head's tags that name the species itself, not a breed of it
_SPECIES = frozenset({"cat", "cats", "dog", "dogs", "kitten", "puppy"})
# rule 10: pairs of times of day and seasons no post is at both (a sunrise is no sunset); the words a
# caption or a tag says them with ('sunsetlovers' says sunset, 'goodnight' night)
TIME_OPPOSITES = ((frozenset({"sunrise", "sunrises", "dawn"}), frozenset({"sunset", "sunsets", "dusk"})),
                  (frozenset({"morning", "mornings", "goodmorning"}), frozenset({"night", "nights", "midnight", "goodnight"})),
                  (frozenset({"winter", "wintertime"}), frozenset({"summer", "summertime"})))
# a concept of at most this many ImageNet classes is one thing a photo can be sure of (dog: 118
# classes); a bigger one (animal: 398, domestic animal) is a category that sums weak guesses
NAMED_CLASSES = 130


@dataclass
class PhotoRules:
    """The rules above, bound to a model's image_concepts scorer (None: rules 1-3 only)."""

    concepts: Scorer | None = None
    support: float = 0.05
    confident: float = 0.6
    contrast: float = 1.0
    art: float = 0.5
    babies: float = 0.5
    broad: bool = True  # rule 4 reads #animal, #pet, #food as their WordNet categories
    things: bool = True  # a sure jewellery or style head: no unsure animal, food or plant tags
    art_animals: bool = True  # a sure artwork: no unsure animal tags (as on a sure baby)
    categories_inside: bool = True  # a broad category is sure only through a sure concept inside it
    # labels head -> the one exclusive kind its tags name (None: none, a head of things; MIXED: a
    # few); `_evidence` reads a head's tag as evidence of that kind only. A head not listed:
    # every concept its tags name.
    head_kinds: Mapping[str, str | None] = field(default_factory=dict)
    # a head's own tag -> its head's kind: what the tag names, read as the head reads it
    # (#beefcarpaccio names a dish, not cattle; the dish is never contradicted by its own name)
    tag_kinds: Mapping[str, str] = field(default_factory=dict)
    diet_lookahead: int = 10  # rule 8: a meat tag this many candidates below a diet claim drops it
    readings: bool = True  # a sure head of things, photo alone: no tag from ImageNet-type readings alone
    times: bool = True  # rule 10 on
    breeds: bool = True  # rule 7 on a post without pictures: no breed the caption does not name
    rival: float = 0.1  # rule 9: a sure head's other labels it gives less than this are dropped
    rivals: bool = True  # rule 9 on
    rival_breeds: bool = True  # rule 9 for ImageNet's breeds under a sure head of animals
    head_keys: Mapping[str, frozenset[str]] = field(default_factory=dict)  # labels head -> its tags' keys

    @classmethod
    def for_scorers(cls, scorers: Sequence[Scorer]) -> "PhotoRules":
        concepts = next((s for s in scorers if s.name == CONCEPTS), None)
        heads = [s for s in scorers if concepts is not None and s.name.startswith(LABELS_PREFIX) and hasattr(s, "head")]
        kinds = {s.name: _head_kind(concepts, s) for s in heads}
        tags = {key: kinds[s.name] for s in heads if kinds[s.name] for row in s.head.tags for key, _display in row}
        keys = {s.name: frozenset(key for row in s.head.tags for key, _display in row) for s in heads}
        return cls(concepts, head_kinds=kinds, tag_kinds=tags, head_keys=keys)

    def apply(self, query: Query, per_scorer: Mapping[str, Scores], ranked: list[Ranked]) -> Iterable[Ranked]:
        """`ranked` itself on a post no image scorer read; else the candidates the rules keep, lazily
        (the recommender stops after k, so only the top of the list is ever checked)."""
        image = {name: s for name, s in per_scorer.items() if name.startswith("image_") and s}
        if not image:
            animals = self._caption_animals(query)
            kept = ranked if not animals else (r for r in ranked if not self._other_animal(r.key, animals, query)
                                               and not self._unnamed_breed(r.key, animals, query))
        else:
            kept = self._keep(query, image, ranked)
        opposite = self._opposite_times(query)
        if not opposite:
            return kept
        written = _user_words(query)
        return (r for r in kept if r.key in written
                or (r.key not in opposite and opposite.isdisjoint(tag_segments(r.key))))

    def _opposite_times(self, query: Query) -> frozenset[str]:
        """Rule 10: the words of the times the caption's time excludes ('sunrise' -> sunset, dusk;
        'winter' -> summer), when the caption writes one side of a pair of `TIME_OPPOSITES` and not
        the other ('from sunrise to sunset' excludes nothing)."""
        if not self.times or not query.post.text:
            return frozenset()
        words = _caption_words(query)
        out: set[str] = set()
        for one, other in TIME_OPPOSITES:
            for mine, theirs in ((one, other), (other, one)):
                if words & mine and not words & theirs:
                    out |= theirs
        return frozenset(out)

    def _keep(self, query: Query, image: Mapping[str, Scores], ranked: list[Ranked]) -> Iterator[Ranked]:
        user = _user_words(query)
        photo_only = not user
        supported = _supported(image, self.support) | set(query.cache.get(PROFILE_SUPPORT) or ())  # the user's own
        evidence, caption = self._evidence(query, image, user)
        artwork = _topic_p(query, "art") >= self.art
        baby = _topic_p(query, "babies") >= self.babies
        thing = self.things and self._sure_thing(image)
        animals = self._caption_animals(query)
        meat, listed_meat = self._sure_meat(image), False
        rivals = self._rival_labels(image)
        breed_of = self._sure_species(image, evidence)
        if photo_only:
            ranked = self._names_first(image, ranked)
        for at, item in enumerate(ranked):
            key = item.key
            if key in user:
                yield item
            elif is_sensitive(key) or (photo_only and key not in supported) or key in rivals \
                    or self._rival_breed(key, image, evidence, breed_of):
                continue
            elif artwork and self._is_food(key):
                continue
            elif (baby or (artwork and self.art_animals)) and self._unsure_animal(key, evidence):
                continue
            elif thing and (self._unsure_living(key, evidence) or (photo_only and self._mere_reading(key, image))):
                continue
            elif key.startswith(DIET_PREFIXES) and (meat or listed_meat or self._meat_below(ranked, at)):
                continue
            elif not self._contradicts(key, evidence, caption) and not self._other_animal(key, animals, query):
                listed_meat = listed_meat or key in MEAT_TAGS
                yield item

    def _sure_thing(self, image: Mapping[str, Scores]) -> bool:
        """A labels head of things (none of its tags names an animal, food or plant) is sure of its
        label. Not a style head (MIXED): a building photo's garden and trees are real."""
        return any(score >= self.confident for name, scores in image.items()
                   if name.startswith(LABELS_PREFIX) and self.head_kinds.get(name, ANY_KIND) is None
                   for score in scores.values())

    def _mere_reading(self, key: str, image: Mapping[str, Scores]) -> bool:
        """A sure head of things on a photo alone: `key` comes only from the readings of models
        never trained on such photos (`READINGS`: ImageNet's classes, the zero-shot bridge from them,
        image_text), no labels head, topic head or photo neighbour proposes it, and ImageNet is not
        sure of it. On a jewellery product shot those read a bangle as a hair slide and an earring
        as a tattoo: #hair, #hairslide and #tattoo were on a fifth to a third of the held-out
        jewellery photos (benchmarks/thing_readings.py)."""
        if not self.readings:
            return False
        sources = [name for name, scores in image.items() if key in scores]
        return bool(sources) and all(name in READINGS for name in sources) \
            and image.get(CONCEPTS, {}).get(key, 0.0) < self.confident

    def _unsure_living(self, key: str, evidence: Mapping[int, float]) -> bool:
        """`key` names only animal, food or plant concepts (or such a broad category), none of
        which the pictures are `confident` of."""
        return self._unsure(key, evidence, EXCLUSIVE_KINDS)

    def _rival_labels(self, image: Mapping[str, Scores]) -> frozenset[str]:
        """Rule 9: the tags of a sure head's other labels that it gives less than `rival`."""
        if not self.rivals:
            return frozenset()
        out: set[str] = set()
        for name, scores in image.items():
            keys = self.head_keys.get(name)
            if keys and max(scores.values(), default=0.0) >= self.confident:
                out |= {key for key in keys if scores.get(key, 0.0) < self.rival}
        return frozenset(out)

    def _meat_below(self, ranked: Sequence[Ranked], at: int) -> bool:
        """Rule 8 read forward: one of the next `diet_lookahead` candidates after position `at`
        says meat (`MEAT_TAGS`), so a diet claim above it would contradict the list (#vegetarian
        second and #meat fourth on an unsure head's beef tartare). An unsure dish name below it
        (#beefcarpaccio) is no such word, as above it: the claim may be right."""
        return any(r.key in MEAT_TAGS for r in ranked[at + 1:at + 1 + self.diet_lookahead])

    def _sure_species(self, image: Mapping[str, Scores], evidence: Mapping[int, float]
                      ) -> tuple[list[str], list[int]]:
        """Rule 9's breed context, once a post: the labels heads of animals sure of their label,
        and the animal concepts of one thing (at most `NAMED_CLASSES` classes) the pictures are sure
        of. Empty when the rule is off or no such head is sure."""
        if not self.rival_breeds or self.concepts is None:
            return [], []
        heads = [name for name, scores in image.items() if self.head_kinds.get(name) == "animal"
                 and max(scores.values(), default=0.0) >= self.confident]
        if not heads:
            return [], []
        table = self.concepts.table  # type: ignore[attr-defined]
        return heads, [c for c, e in evidence.items() if e >= self.confident and table.kinds[c] == "animal"
                       and len(table.classes[c]) <= NAMED_CLASSES]

    def _rival_breed(self, key: str, image: Mapping[str, Scores], evidence: Mapping[int, float],
                     breed_of: tuple[list[str], list[int]]) -> bool:
        """Rule 9 for ImageNet's breeds: a labels head of animals sure of its label (a pets head sure
        of a Sphynx) says the photo is not another breed, so a tag naming only breeds (concepts inside
        a species the pictures are sure of, `_sure_species`: Egyptian cat inside cat) that ImageNet is
        not sure of and the head gives less than `rival` goes: no #egyptiancat beside a sure #sphynx."""
        heads, species = breed_of
        if not heads or any(image[name].get(key, 0.0) >= self.rival for name in heads):
            return False
        table = self.concepts.table  # type: ignore[attr-defined]
        named = self._named_exclusive(key)
        return bool(named) and all(
            table.kinds[c] == "animal" and evidence.get(c, 0.0) < self.confident
            and any(table.classes[c] < table.classes[s] for s in species) for c in named)

    def _sure_meat(self, image: Mapping[str, Scores]) -> bool:
        """Rule 8: a labels head is sure of a dish whose tag says meat or fish."""
        return any(score >= self.confident and any(word in key for word in MEAT_WORDS)
                   for name, scores in image.items() if name.startswith(LABELS_PREFIX)
                   for key, score in scores.items())

    def _names_first(self, image: Mapping[str, Scores], ranked: list[Ranked]) -> list[Ranked]:
        """Rule 6: the labels heads' confident tags first, in the combiner's order; where no head
        is sure, the ImageNet concepts' confident names (#brambling; not a broad category such as
        #food, which had pushed an unsure head's #beefcarpaccio out of the five). Not both: a
        sure head's #breakfastburrito must not wait behind the concepts' #burrito."""
        def sure(names: Iterable[str]) -> set[str]:
            return {key for name in names for key, score in image[name].items() if score >= self.confident}

        named = sure(n for n in image if n.startswith(LABELS_PREFIX))
        if not named and self.concepts is not None:  # a category (#food, #animal) is no name
            named = {k for k in sure(n for n in image if n == CONCEPTS) if not _broad_categories(self.concepts.table, k)}
        if not named:
            return ranked
        return [r for r in ranked if r.key in named] + [r for r in ranked if r.key not in named]

    # -- what the pictures and the caption say -------------------------------------
    def _evidence(self, query: Query, image: Mapping[str, Scores], user: set[str]) -> tuple[dict[int, float], set[int]]:
        """Per concept: how sure the pictures are (ImageNet mass, or a labels head's score for a
        tag naming it); and the concepts the caption names."""
        if self.concepts is None:
            return {}, set()
        from taglens.models.scorers.image_concepts import CACHE_KEY

        mass = query.cache.get(CACHE_KEY)
        evidence: dict[int, float] = {}
        if isinstance(mass, np.ndarray):
            for i in np.flatnonzero(mass >= 0.01):
                evidence[int(i)] = float(mass[i])
        kinds = self.concepts.table.kinds  # type: ignore[attr-defined]
        for name, scores in image.items():
            if name.startswith(LABELS_PREFIX):
                own = self.head_kinds.get(name, ANY_KIND)
                for key, score in scores.items():
                    for c in self.concepts.concepts_of(key):  # type: ignore[attr-defined]
                        if own is ANY_KIND or kinds[c] == own or kinds[c] not in EXCLUSIVE_KINDS:
                            evidence[c] = max(evidence.get(c, 0.0), float(score))
        caption: set[int] = set()
        for word in user:
            caption.update(self.concepts.table.words.get(word, ()))  # type: ignore[attr-defined]
        return evidence, caption

    def _caption_animals(self, query: Query) -> frozenset[int]:
        """The animal concepts the caption's own words (and adjacent pairs) name (rule 7)."""
        if self.concepts is None or not query.post.text:
            return frozenset()
        table = self.concepts.table  # type: ignore[attr-defined]
        return frozenset(c for word in _common_words(query.post.text) for c in table.words.get(word, ())
                         if table.kinds[c] == "animal")

    def _other_animal(self, key: str, animals: frozenset[int], query: Query) -> bool:
        """Rule 7: `key` names animals only, each exclusive with an animal of the caption and
        compatible with none of them ('my dog and my cat' keeps #puppy)."""
        if not animals or key in _caption_words(query):
            return False
        table = self.concepts.table  # type: ignore[attr-defined]
        named = self._named_exclusive(key)
        return bool(named) and all(table.kinds[c] == "animal" and _excludes_all(table, c, animals) for c in named)

    def _unnamed_breed(self, key: str, animals: frozenset[int], query: Query) -> bool:
        """Rule 7 on a post without pictures: `key` names a breed of an animal the caption names
        only generally ('A man plays Frisbee with his dog' with #frenchbulldog, 'my cat' with
        #britishshorthair): a narrower animal concept than one of the caption's (WordNet's classes
        a proper subset), or a breed tag of a labels head of animals, that the caption does not
        write. Nothing in the words says which breed; the nearest posts' breed is a guess."""
        if not self.breeds or key in _caption_words(query):
            return False
        table = self.concepts.table  # type: ignore[attr-defined]
        named = self._named_exclusive(key)
        if named:
            return all(table.kinds[c] == "animal" and c not in animals and
                       any(table.classes[c] < table.classes[a] for a in animals) for c in named)
        return self.tag_kinds.get(key) == "animal" and key not in _SPECIES

    def _unsure_animal(self, key: str, evidence: Mapping[int, float]) -> bool:
        """`key` names animals only, none of which the pictures are `confident` of."""
        return self._unsure(key, evidence, frozenset({"animal"}))

    def _unsure(self, key: str, evidence: Mapping[int, float], kinds: frozenset[str]) -> bool:
        """`key` names only concepts of `kinds` (or such a broad category), none of which the
        pictures are `confident` of (the baby and artwork rules, a sure head of things). A broad
        category is confident only through a concept inside it (`_sure_inside`): its own mass sums
        every weak guess below it, and a painted woman's hair, 0.2 'dog' and 0.1 'lion', is 0.9
        'animal' to ImageNet."""
        named = self.names_only(key, kinds)
        return bool(named) and not any(self._sure_inside(c, evidence) for c in named)

    def names_only(self, key: str, kinds: frozenset[str]) -> list[int]:
        """The animal, food and plant concepts `key` names (or the broad category it names), when
        all of them are of `kinds`; else none. ({'animal'}: #dog, #animals, #pet; not #doglover's
        person, never counted, nor #hotdog.)"""
        if self.concepts is None:
            return []
        table = self.concepts.table  # type: ignore[attr-defined]
        named = self._named_exclusive(key, broad=True)
        return named if all(table.kinds[c] in kinds for c in named) else []

    def _sure_inside(self, concept: int, evidence: Mapping[int, float]) -> bool:
        """The pictures are `confident` of `concept`, or, for a category of more than
        `NAMED_CLASSES` ImageNet classes (animal, domestic animal), of a concept inside it of at
        most that many (dog, 118 classes: the level at which rule 4 reads a photo as sure)."""
        table = self.concepts.table  # type: ignore[attr-defined]
        if len(table.classes[concept]) <= NAMED_CLASSES or not self.categories_inside:
            return evidence.get(concept, 0.0) >= self.confident
        inside = table.classes[concept]
        return any(e >= self.confident and len(table.classes[c]) <= NAMED_CLASSES and table.classes[c] <= inside
                   for c, e in evidence.items())

    def _named_exclusive(self, key: str, broad: bool = False) -> list[int]:
        """The concepts of the animal, food and plant kinds `key` names: only those can
        contradict (#doglover names a dog and a person; the person never counts). With
        `broad`, a tag that names no specific one may name a broad category of them (#animal,
        #pet: rules 4 and the baby rule, not rule 7: a hamster is a pet, though WordNet's
        'domestic animal' does not hold it)."""
        table = self.concepts.table  # type: ignore[attr-defined]
        own = self.tag_kinds.get(key)
        named = [c for c in self.concepts.concepts_of(key)  # type: ignore[attr-defined]
                 if table.kinds[c] in EXCLUSIVE_KINDS and (own is None or table.kinds[c] == own)]
        if named or own is not None or not (broad and self.broad):
            return named
        return _broad_categories(table, key)

    def _is_food(self, key: str) -> bool:
        """A tag about a meal: it names a food concept, says 'food', or is a diet claim (#vegetarian
        beside a painted still life of fruit is no claim about a meal)."""
        if "food" in key or key.startswith(DIET_PREFIXES):
            return True
        if self.concepts is None:
            return False
        kinds = self.concepts.table.kinds  # type: ignore[attr-defined]
        return any(kinds[c] == "food" for c in self.concepts.concepts_of(key))  # type: ignore[attr-defined]

    def _contradicts(self, key: str, evidence: Mapping[int, float], caption: set[int]) -> bool:
        if self.concepts is None:
            return False
        table = self.concepts.table  # type: ignore[attr-defined]
        named = self._named_exclusive(key)
        broad = not named
        if broad:  # a broad category contradicts only another kind: #pet on a sunflower, not on a hamster
            named = self._named_exclusive(key, broad=True)
        if not named:
            return False
        sure = [a for a, e in evidence.items() if e >= self.confident and table.kinds[a] in EXCLUSIVE_KINDS
                and len(table.classes[a]) <= NAMED_CLASSES and not (broad and table.kinds[a] == table.kinds[named[0]])]
        conflict = bool(caption) and any(table.exclusive(a, b) for a in sure for b in caption)
        if conflict:  # rule 5: the caption's concept wins over the photo's ('my dog and my cat' keeps both)
            return all(_excludes_all(table, c, caption) for c in named)
        return bool(sure) and all(
            any(table.exclusive(c, a) and evidence.get(c, 0.0) < self.contrast * evidence[a] for a in sure)
            for c in named)


ANY_KIND = "any"  # a labels head the rules were not told about: all its concepts count
MIXED = "mixed"  # a labels head whose tags name animal, food or plant concepts, but under half of them


def _head_kind(concepts: Scorer, scorer: Scorer) -> str | None:
    """The exclusive kind (animal, food, plant) that at least half of a labels head's tags name;
    None when none of its tags names one (a head of things: jewellery); MIXED when a few do (a
    style head's two tags that WordNet reads as animals). A food head's #beefcarpaccio also names
    cattle: a misreading of the head's own subject, which must not contradict its dish."""
    table = concepts.table  # type: ignore[attr-defined]
    keys = [key for row in scorer.head.tags for key, _display in row]  # type: ignore[attr-defined]
    named = Counter(kind for key in keys for kind in {table.kinds[c] for c in concepts.concepts_of(key)}  # type: ignore[attr-defined]
                    if kind in EXCLUSIVE_KINDS)
    if not named:
        return None
    kind, count = named.most_common(1)[0]
    return kind if 2 * count >= len(keys) else MIXED


def _broad_categories(table, key: str) -> list[int]:  # noqa: ANN001 - a ConceptTable
    """The broad animal, food and plant categories a tag names by itself or its singular
    (#animals -> animal.n.01, #pets -> domestic animal), at most `BROAD_DEPTH` deep."""
    for name in dict.fromkeys((key, concept(key), key[:-1] if key.endswith("s") else key)):
        found = [c for c in table.lemma_concepts.get(name, ())
                 if table.kinds[c] in EXCLUSIVE_KINDS and table.depths[c] <= BROAD_DEPTH]
        if found:
            return found
    return []


def _topic_p(query: Query, topic: str) -> float:
    """p(topic | pictures) from the image topic head, when it ran (0 otherwise)."""
    from taglens.models.scorers.image_topic import PROBS_KEY

    probs = query.cache.get(PROBS_KEY)
    head = TOPICS if probs is not None else ()
    return float(probs[head.index(topic)]) if topic in head else 0.0


def _excludes_all(table, concept: int, others: Iterable[int]) -> bool:  # noqa: ANN001 - a ConceptTable
    """`concept` is exclusive with one of `others` and shares a photo with none of them."""
    others = list(others)
    return any(table.exclusive(concept, b) for b in others) and not any(
        table.kinds[b] in EXCLUSIVE_KINDS and not table.exclusive(concept, b) for b in others)


def _with_pairs(words: Sequence[str | None]) -> frozenset[str]:
    """The words and each two adjacent ones joined ('hot dog' -> hotdog); a None breaks a pair."""
    return frozenset(w for w in words if w) | {a + b for a, b in zip(words, words[1:]) if a and b}


def _caption_words(query: Query) -> frozenset[str]:
    """The caption's words and adjacent word pairs as keys (not the given tags), once per query."""
    return query.cached("photo_rules.caption_words", lambda: _with_pairs(
        [w for w in re.split(r"[^0-9a-z]+", query.post.text.lower()) if w]))


def _common_words(text: str) -> frozenset[str]:
    """The caption's words written in lower case (or first), and pairs of them: the words that
    may name a thing; a capitalised word mid-caption is more often a name ('the Panthers')."""
    tokens = re.findall(r"[A-Za-z0-9]+", text)
    return _with_pairs([t.lower() if (t.islower() or i == 0) else None for i, t in enumerate(tokens)])


def _user_words(query: Query) -> set[str]:
    """Keys the user wrote: given tags, caption words and adjacent word pairs ('hot dog' -> hotdog)."""
    return set(query.given) | _caption_words(query)


def _supported(image: Mapping[str, Scores], share: float) -> set[str]:
    """Keys some image scorer proposed with at least `share` of its best score for the post."""
    keys: set[str] = set()
    for scores in image.values():
        best = max(scores.values())
        keys |= {k for k, v in scores.items() if best > 0 and v >= share * best}
    return keys

"""What a photo shows, in words: the encoder's own classes and the WordNet concepts above them.

The ImageNet-1k classes are WordNet synsets, so their hypernym tree (built once from a
real WordNet by scripts/build_imagenet_concepts.py, shipped as
data/encoders/imagenet_concepts.json) says that a golden retriever is a dog and a daisy
a flower. A concept's score for a photo is the probability mass of the classes below it:

    mass(concept | photo) = sum over classes c below the concept of p(c | photo)

so 118 dog breeds at 0.8% each still make a confident *dog*. The same table says what a
hashtag names (`#puppy` -> dog, `#catsofinstagram` -> cat), which is what the photo
consistency rules (taglens.recommend.photo_rules) need to see that `#dog` contradicts a
confident cat photo: two concepts of the animal, food and plant kinds with no class in
common are *exclusive*.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taglens.query import EVIDENCE_DETAIL, Query
from taglens.vision.encoder import encoders_dir

EXCLUSIVE_KINDS = frozenset({"animal", "food", "plant"})
SHARED_KINDS = frozenset({"food", "plant"})  # kinds whose concepts share a photo
TABLE_FILE = "imagenet_concepts.json"
GRAM_SUFFIX = "stagram"  # the Instagram compound: what comes before it is what the tag names
# Words for young and pet animals that WordNet files under 'young mammal', a person sense
# or a food (kitten.n.01 lies under young_mammal, no ImageNet class below it), so the
# shipped table names nothing or the wrong thing for them; each names the animal of the
# word it maps to. Applied on load, where the table's own entry is of no exclusive kind
# (or, for duckling, food: a caption's duckling is the bird).
WORD_ALIASES = {
    "kitten": "cat", "kittens": "cat", "kitty": "cat", "kitties": "cat", "kittie": "cat",
    "bunny": "rabbit", "bunnies": "rabbit", "pup": "dog", "pups": "dog", "doggo": "dog", "doggos": "dog",
    "piglet": "pig", "piglets": "pig", "foal": "horse", "foals": "horse", "duckling": "duck", "ducklings": "duck",
}

# Broad words WordNet files outside the ImageNet tree, each as the concept of the tree it means:
# pet.n.01 ('a domesticated animal kept for companionship') is no hypernym of dog.n.01, but a
# #pet on a dog photo says what 'domestic animal' (above 123 classes, every dog among them) says.
BROAD_ALIASES = {"pet": "domestic animal"}
# How high in WordNet's noun tree a concept must sit to count as a broad category for `broader`:
# animal (depth 6), domestic animal (7), food (4), dessert, furniture, vehicle, clothing (6-7).
# The everyday names of things sit lower and are what a creator tags beside the breed or the
# model: dog (8), cat (13), bird (9), fish and flower (10), car and bicycle (8). (Measured: with
# no depth bound, #dog went after #labradorretriever, and the held-out pet photos' species tag
# in the top 5 fell from 100 % to 97.9 %.)
BROAD_DEPTH = 7
# ... and lie above most of the narrower concept's classes, not all: WordNet's cat.n.01 holds the
# lynx and the cougar beside the five house cats, so 'domestic animal' (#pet) lies above 5 of its 7
# classes; a #pet beside #cat says no more than it does beside #dog.
BROADER_SHARE = 2 / 3


def concept_key(name: str) -> str:
    """'Golden retriever' -> 'goldenretriever': a concept name as a hashtag key."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def camel_display(name: str) -> str:
    """'golden retriever' -> '#GoldenRetriever'; one word stays lower case ('#daisy')."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    if len(words) == 1:
        return "#" + words[0].lower()
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


@dataclass(frozen=True, eq=False)
class ConceptTable:
    """The shipped concept tree: names, kinds, and which classes lie below each concept."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    lemmas: tuple[tuple[str, ...], ...]
    kinds: tuple[str, ...]
    classes: tuple[frozenset[int], ...]
    membership: np.ndarray            # (n_classes, n_concepts) float32, 1 where the concept is above the class
    words: dict[str, tuple[int, ...]]  # hashtag key -> the concepts it names
    class_node: tuple[int, ...]        # class index -> its own concept
    depths: tuple[int, ...] = ()       # each concept's depth in WordNet's noun tree (entity: 0)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_json(cls, data: dict) -> "ConceptTable":
        concepts = data["concepts"]
        n_classes = len(data["class_concepts"])
        membership = np.zeros((n_classes, len(concepts)), dtype=np.float32)
        for c, above in enumerate(data["class_concepts"]):
            membership[c, above] = 1.0
        classes = tuple(frozenset(int(i) for i in c["classes"]) for c in concepts)
        own = {next(iter(s)): i for i, s in enumerate(classes) if len(s) == 1 and concepts[i]["depth"] >= 0}
        class_node = []
        for c, above in enumerate(data["class_concepts"]):  # the class's own node: the deepest single-class concept
            singles = [i for i in above if classes[i] == frozenset({c})]
            class_node.append(max(singles, key=lambda i: concepts[i]["depth"]) if singles else own.get(c, above[-1]))
        kinds = tuple(c["kind"] for c in concepts)
        words = {k: tuple(v) for k, v in data["words"].items()}
        for word, animal in WORD_ALIASES.items():
            if animal in words and all(kinds[c] not in ("animal", "plant") for c in words.get(word, ())):
                words[word] = words[animal]
        return cls(tuple(c["id"] for c in concepts), tuple(c["name"] for c in concepts),
                   tuple(tuple(c["lemmas"]) for c in concepts), kinds,
                   classes, membership, words, tuple(class_node), tuple(int(c["depth"]) for c in concepts))

    def mass(self, probs: np.ndarray) -> np.ndarray:
        """(n_concepts,) probability mass below each concept for one probability vector (or (N, C) rows).

        A sparse product: each class has ~12 concepts above it, so this is ~12k multiply-adds,
        not the 1.9M of the dense (classes x concepts) matrix."""
        p = np.asarray(probs, dtype=np.float32)
        return np.asarray(self._sparse_t @ p.T).T if p.ndim == 2 else self._sparse_t @ p

    @functools.cached_property
    def _sparse_t(self):  # noqa: ANN202 - scipy.sparse.csr_matrix (concepts x classes)
        from scipy import sparse

        return sparse.csr_matrix(self.membership.T)

    def index(self, concept_id: str) -> int:
        return self.ids.index(concept_id)

    @functools.cached_property
    def lemma_concepts(self) -> dict[str, frozenset[int]]:
        """Every lemma's concept key -> the concepts it is a lemma of, the broad ones too
        ('animal' -> animal.n.01, 398 classes; 'food'; 'bird'). `words` keeps only a word's
        most specific concepts, so it names nothing for #animal; `broader` needs both ends."""
        out: dict[str, set[int]] = {}
        for i, lemmas in enumerate(self.lemmas):
            for lemma in lemmas:
                out.setdefault(concept_key(lemma), set()).add(i)
        for word, name in BROAD_ALIASES.items():
            out.setdefault(word, set()).update(out.get(concept_key(name), ()))
        return {k: frozenset(v) for k, v in out.items()}

    def broader(self, general: Iterable[int], specific: Iterable[int]) -> bool:
        """A broad category among `general` (a word's senses: 'food' is both nutrient and solid
        food; at most `BROAD_DEPTH` deep) lies above one of `specific` (holds more classes, and
        `BROADER_SHARE` of its classes): what the general tag says, the specific one already said
        (animal above dog, food above pizza, domestic animal above cat; not dog above labrador
        retriever)."""
        return any(self.depths[g] <= BROAD_DEPTH and len(self.classes[g]) > len(self.classes[s])
                   and len(self.classes[s] & self.classes[g]) >= BROADER_SHARE * len(self.classes[s])
                   for g in general for s in specific)

    def disjoint(self, a: int, b: int) -> bool:
        return not (self.classes[a] & self.classes[b])

    def exclusive(self, a: int, b: int) -> bool:
        """Two concepts no photo is both of: no class in common, of the animal, food and plant
        kinds, and not two foods or two plants (one plate holds several dishes, one bed several
        flowers; one animal is not both a cat and a dog)."""
        ka, kb = self.kinds[a], self.kinds[b]
        if ka not in EXCLUSIVE_KINDS or kb not in EXCLUSIVE_KINDS or (ka == kb and ka in SHARED_KINDS):
            return False
        return self.disjoint(a, b)

    def named_by(self, key: str, words: Sequence[str] = ()) -> frozenset[int]:
        """Concepts a hashtag names: its whole key ('goldenretriever'), else each of its words
        ('cats of instagram' -> cat). Empty when it names none (#love, #instagood). Of two
        adjacent words naming exclusive animals, the second, the compound's head, decides:
        'staffordshire bull terrier' names a terrier, not cattle ('beet salad' keeps both)."""
        if key in self.words:
            return frozenset(self.words[key])
        per_word = [frozenset(self.words.get(concept_key(word), ())) for word in words]
        found: set[int] = set().union(*per_word) if per_word else set()
        naming = [i for i, named in enumerate(per_word) if any(self.kinds[c] == "animal" for c in named)]
        if len(naming) >= 2 and naming[-1] == naming[-2] + 1:
            modifier, head = per_word[naming[-2]], per_word[naming[-1]]
            animals = [(a, b) for a in modifier for b in head if self.kinds[a] == self.kinds[b] == "animal"]
            if any(self.exclusive(a, b) for a, b in animals):  # a bull terrier is a terrier
                found = (found - {c for c in modifier if self.kinds[c] == "animal"}) | head
        if not found and key.endswith(GRAM_SUFFIX):  # #dogstagram, #catstagram: one word to the segmenter
            found.update(self.words.get(key[:-len(GRAM_SUFFIX)], ()))
        return frozenset(found)


@functools.lru_cache(maxsize=2)
def load_concepts(path: str | None = None) -> ConceptTable:
    """The shipped table (or another built the same way), parsed once per process."""
    file = Path(path) if path else encoders_dir() / TABLE_FILE
    return ConceptTable.from_json(json.loads(file.read_text(encoding="utf-8")))


def tag_concepts(table: ConceptTable, keys: Sequence[str],
                 segment: Callable[[str], list[str]] | None = None) -> dict[str, frozenset[int]]:
    """The concepts each of `keys` names (only keys that name some); `segment` splits a key into words."""
    out: dict[str, frozenset[int]] = {}
    for key in keys:
        words = segment(key) if segment is not None and key not in table.words else ()
        named = table.named_by(key, words)
        if named:
            out[key] = named
    return out


def vocab_forms(key: str, known: Callable[[str], int]) -> list[str]:
    """The vocabulary's own forms of a concept tag, best first: the key, its plural and the
    community tags built on them (#cat -> #cats, #catsofinstagram, #catlover), those `known` (>0)."""
    plural = key + "es" if key.endswith(("s", "x", "ch", "sh")) else key + "s"
    forms = [key, plural, plural + "ofinstagram", key + "ofinstagram", key + "lover", plural + "tagram",
             key + "stagram", key + "love"]
    return [f for i, f in enumerate(forms) if (i == 0 or known(f) > 0) and f not in forms[:i]]


FORM_DECAY = 0.92  # each further vocabulary form of a concept scores a little lower


def score_forms(scores: dict[str, float], forms: Sequence[tuple[str, str]], strength: float, given: set[str],
                query: Query, source: str, concept: str) -> None:
    """Spread what a photo shows (a concept's mass, a labels head's probability) over the
    vocabulary forms naming it, best first and each a little lower; a form keeps its best
    score over every concept, the post's own tags are skipped, and each form records its
    evidence (`source`, `concept`) for the suggestion's `evidence_detail`."""
    detail = query.cache.setdefault(EVIDENCE_DETAIL, {})
    for rank, (key, display) in enumerate(forms):
        score = strength * FORM_DECAY ** rank
        if key in given or scores.get(key, 0.0) >= score:
            continue
        scores[key] = score
        query.displays.setdefault(key, display)
        detail.setdefault(key, {})[source] = {"source": source, "concept": concept, "score": round(strength, 4)}


def confident(table: ConceptTable, mass: np.ndarray, threshold: float, kinds: Iterable[str] = EXCLUSIVE_KINDS,
              max_classes: int = 130) -> list[int]:
    """Concepts of the given kinds the photo is at least `threshold` sure of (not the broad ones)."""
    wanted = set(kinds)
    return [int(i) for i in np.flatnonzero(mass >= threshold)
            if table.kinds[i] in wanted and len(table.classes[i]) <= max_classes]

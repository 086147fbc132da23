"""image_concepts: the photo's ImageNet classes and WordNet concepts, named as hashtags.

Open vocabulary on purpose: `#daisy`, `#burrito`, `#GoldenRetriever` are candidates
whether or not the training corpus ever used them. Each concept of the shipped tree
(taglens.vision.concepts) scores the probability mass of the classes below it, so the
118 dog breeds make *dog* and the five domestic cats make *cat*. A concept proposes

* its own name (CamelCase when it has several words: `#GoldenRetriever`), and
* the vocabulary's own forms of it (`#cats`, `#catsofinstagram`, `#catlover`), a little lower.

Every ImageNet class is a candidate; a concept above the classes is one only when people
use its name as a tag (vocabulary count >= `min_count`: `#dog`, `#bird`, `#flower`, but
not `#placental` or `#hunting_dog`). Sensitive class names (data/sensitive_concepts.txt)
never become candidates.

The scorer also leaves, in the query's cache, what it saw (`CACHE_KEY`: the concept
mass vector) for the photo consistency rules and `evidence_detail`; and it knows which
concepts each vocabulary tag names (built at fit time with the segmenter), which is how
the rules see that `#puppy` contradicts a confident cat.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer
from taglens.post import Post
from taglens.vision.concepts import (GRAM_SUFFIX, WORD_ALIASES, ConceptTable, camel_display, concept_key,
                                     load_concepts, score_forms, tag_concepts, vocab_forms)
from taglens.vision.encoder import DEFAULT_ENCODER
from taglens.vision.features import ensure_image_evidence
from taglens.vision.sensitive import is_sensitive, sensitive_keys

CACHE_KEY = "image_concepts:mass"


def _segment(key: str) -> list[str]:
    try:
        from taglens.text.segment import segment
    except ImportError:  # pragma: no cover - the segmenter ships with the package
        return [key]
    return list(segment(key))


@register_scorer
class ImageConceptsScorer(Scorer):
    """mass(concept | pictures) for the concepts people tag, under their names and vocabulary forms."""

    name = "image_concepts"

    def __init__(self, encoder: str = DEFAULT_ENCODER, min_mass: float = 0.1, min_count: int = 10,
                 max_classes: int = 130, limit: int = 40, **params: Any) -> None:
        super().__init__(encoder=encoder, min_mass=min_mass, min_count=min_count, max_classes=max_classes,
                         limit=limit, **params)
        self.encoder, self.min_mass, self.min_count = encoder, float(min_mass), int(min_count)
        self.max_classes, self.limit = int(max_classes), int(limit)
        self.table: ConceptTable = load_concepts()
        self.concept_ids = np.zeros(0, dtype=np.int64)   # taggable concepts
        self.tags: list[list[tuple[str, str]]] = []      # per taggable concept: (key, display), best first
        self.named: dict[str, frozenset[int]] = {}       # vocabulary tag -> concepts it names
        self._seen: dict[str, frozenset[int]] = {}       # the same for other tags, filled as they come

    # -- fitting ----------------------------------------------------------------
    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Choose the taggable concepts and their tags for this vocabulary; no posts needed."""
        banned = sensitive_keys()
        ids, tags = [], []
        classes = set(self.table.class_node)
        for i, name in enumerate(self.table.names):
            key = concept_key(name)
            if not key or is_sensitive(key, banned) or self.table.kinds[i] == "other":
                continue
            broad = len(self.table.classes[i]) > self.max_classes
            if i not in classes and (broad or vocab.count(key) < self.min_count):
                continue
            forms = vocab_forms(key, vocab.count)
            ids.append(i)
            tags.append([(f, vocab.display(f) if f in vocab else camel_display(name)) for f in forms])
        self.concept_ids = np.asarray(ids, dtype=np.int64)
        self.tags = tags
        self.named = tag_concepts(self.table, vocab.keys, _segment)

    # -- what a tag names (read by the photo rules) -----------------------------
    def concepts_of(self, key: str) -> frozenset[int]:
        """Concepts a candidate tag names: from the vocabulary map, the table, or its segments."""
        if key in self.named:
            return self.named[key]
        found = self._seen.get(key)
        if found is None:  # a tag outside the vocabulary (a label's name): segment it once per process
            found = self._look_up(key)
            if len(self._seen) < 100_000:
                self._seen[key] = found
        return found

    # -- serving ------------------------------------------------------------------
    def concept_mass(self, queries: Sequence[Query]) -> list[np.ndarray | None]:
        """Each query's concept mass (None without pictures), cached on the query."""
        out: list[np.ndarray | None] = []
        for query, evidence in zip(queries, ensure_image_evidence(queries, self.encoder), strict=True):
            probs = evidence.mean_probs() if evidence is not None else None
            if probs is None:
                out.append(None)
                continue
            if CACHE_KEY not in query.cache:
                query.cache[CACHE_KEY] = self.table.mass(probs)
            out.append(query.cache[CACHE_KEY])
        return out

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        out: list[Scores] = []
        for query, mass in zip(queries, self.concept_mass(queries), strict=True):
            out.append({} if mass is None else self._score_one(query, mass))
        return out

    def _score_one(self, query: Query, mass: np.ndarray) -> Scores:
        values = mass[self.concept_ids]
        order = np.argsort(-values, kind="stable")
        given = set(query.given)
        scores: Scores = {}
        for j in order:
            m = float(values[j])
            if m < self.min_mass or len(scores) >= self.limit:
                break
            score_forms(scores, self.tags[j], m, given, query, "image", self.table.names[int(self.concept_ids[j])])
        return scores

    # -- persistence --------------------------------------------------------------
    def save(self, folder: Path) -> None:
        self.save_params(folder)
        data = {"concepts": self.concept_ids.tolist(), "tags": self.tags,
                "named": {k: sorted(v) for k, v in sorted(self.named.items())}}
        (folder / "concepts.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                                              encoding="utf-8")

    def _look_up(self, key: str) -> frozenset[int]:
        """What the table says `key` names: the whole key, else its segments."""
        return self.table.named_by(key, _segment(key) if key not in self.table.words else ())

    def _refresh_aliased(self, vocab: Vocab | None) -> None:
        """What the vocabulary tags built on a young-animal word (#kitten, #kittensofinstagram,
        #bunny) or on '-stagram' (#dogstagram) name, looked up again in the table as loaded
        (`WORD_ALIASES`, `GRAM_SUFFIX`): a model stored before them has those naming nothing,
        or a person; and the tags stored naming two exclusive animals (#staffordshirebullterrier:
        cattle and terrier), which the compound-head rule of `ConceptTable.named_by` settles."""
        table = self.table

        def stale(key: str) -> bool:  # naming two exclusive animals: stored before the compound-head rule
            named = self.named.get(key, ())
            return any(table.exclusive(a, b) for a in named for b in named
                       if a < b and table.kinds[a] == table.kinds[b] == "animal")

        keys = vocab.keys if vocab is not None else list(self.named)
        for key in (k for k in keys if k.endswith(GRAM_SUFFIX) or any(word in k for word in WORD_ALIASES) or stale(k)):
            found = self._look_up(key)
            if found:
                self.named[key] = found

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageConceptsScorer":
        scorer = cls(**params)
        data = json.loads((folder / "concepts.json").read_text(encoding="utf-8"))
        scorer.concept_ids = np.asarray(data["concepts"], dtype=np.int64)
        scorer.tags = [[(k, d) for k, d in forms] for forms in data["tags"]]
        scorer.named = {k: frozenset(v) for k, v in data["named"].items()}
        scorer._refresh_aliased(vocab)
        if len(scorer.concept_ids) and int(scorer.concept_ids.max()) >= len(scorer.table):
            raise ValueError("image_concepts: stored concepts do not match the shipped concept table")
        return scorer

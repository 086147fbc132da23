"""image_labels: one labels head (taglens.vision.labels) as a scorer; a model may hold several.

Each head is its own scorer, named `image_labels/<head>` (`image_labels/flowers`), so
a model can carry breeds, dishes and a user's own products side by side, each with its
own attached weight. The scorer folder *is* the head folder that `taglens train-labels`
writes (manifest.json with the head's card, head.npz), so `--labels HEAD_DIR` and
`taglens model add-labels MODEL HEAD_DIR` read the same files.

Scores: p(label | pictures) x the head's domain gate, averaged over the post's
pictures; each label proposes its tags (its own words first, then the tags the user
listed for it, then the vocabulary's forms of a one-word label: #sunflower,
#sunflowers), each a little lower than the one before.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taglens.models.base import Query, Scorer, Scores, Vocab, register_scorer
from taglens.post import Post
from taglens.vision.concepts import score_forms, vocab_forms
from taglens.vision.encoder import DEFAULT_ENCODER
from taglens.vision.features import per_pictured_post
from taglens.vision.labels import PLACE_HEADS_KEY, LabelsHead

PREFIX = "image_labels"


@register_scorer
class ImageLabelsScorer(Scorer):
    name = PREFIX

    def __init__(self, encoder: str = DEFAULT_ENCODER, head: str = "labels", min_prob: float = 0.15,
                 max_labels: int = 3, limit: int = 30, **params: Any) -> None:
        super().__init__(encoder=encoder, head=head, min_prob=min_prob, max_labels=max_labels, limit=limit, **params)
        self.encoder, self.min_prob, self.limit = encoder, float(min_prob), int(limit)
        self.max_labels = int(max_labels)  # a style head listing five styles names none
        self.name = f"{PREFIX}/{head}"  # type: ignore[misc]  # one scorer per head
        self.head: LabelsHead | None = None
        self.forms: list[list[tuple[str, str]]] = []

    @classmethod
    def from_head(cls, head: LabelsHead, vocab: Vocab, **params: Any) -> "ImageLabelsScorer":
        scorer = cls(head=head.name, **params)
        scorer.head = head
        scorer.bind(vocab)
        return scorer

    @classmethod
    def from_dir(cls, folder: str | Path, vocab: Vocab, **params: Any) -> "ImageLabelsScorer":
        """A head folder written by `taglens train-labels` (InputError when it is not one)."""
        return cls.from_head(LabelsHead.load(Path(folder)), vocab, **params)

    def bind(self, vocab: Vocab) -> None:
        """Each label's tags plus the vocabulary's own forms of its first tag."""
        assert self.head is not None
        self.forms = []
        for tags in self.head.tags:
            out = list(tags)
            key, display = tags[0]
            for form in vocab_forms(key, vocab.count)[1:]:
                if form not in {k for k, _ in out}:
                    out.append((form, vocab.display(form)))
            self.forms.append([(k, vocab.display(k) if k in vocab else d) for k, d in out])

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """A labels head is trained from labelled photos (`taglens train-labels`), not posts."""
        if self.head is None:
            raise RuntimeError("image_labels needs a head: ImageLabelsScorer.from_dir(HEAD_DIR, vocab)")
        self.bind(vocab)

    def score(self, query: Query, vocab: Vocab) -> Scores:
        return self.score_many([query], vocab)[0]

    def score_many(self, queries: Sequence[Query], vocab: Vocab) -> list[Scores]:
        if self.head is None:
            return [{} for _ in queries]
        head = self.head
        return per_pictured_post(queries, self.encoder,
                                 lambda query, evidence: self._tags(query, head.predict(evidence.features).mean(axis=0)),
                                 dict)

    def _tags(self, query: Query, probs: np.ndarray) -> Scores:
        assert self.head is not None
        given = set(query.given)
        scores: Scores = {}
        source = f"labels/{self.head.name}"
        if self.head.names_places:  # grounding reads it: this head's sure labels are places the photo shows
            query.cache.setdefault(PLACE_HEADS_KEY, set()).add(self.name)
        for j in np.argsort(-probs, kind="stable")[: self.max_labels]:
            p = float(probs[j])
            if p < self.min_prob or len(scores) >= self.limit:
                break
            score_forms(scores, self.forms[j], p, given, query, source, self.head.labels[j])
        return scores

    def save(self, folder: Path) -> None:
        if self.head is None:
            raise RuntimeError("nothing to save: image_labels has no head")
        self.save_params(folder)
        self.head.save(folder)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any], vocab: Vocab) -> "ImageLabelsScorer":
        scorer = cls(**params)
        scorer.params = dict(params)
        scorer.head = LabelsHead.load(folder)
        scorer.bind(vocab)
        return scorer

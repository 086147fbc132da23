"""Hashtag expansion: which tags a topic's crawl should ask for next.

The original project grew its seed lists by segmenting hashtags into words and
scraping again. Each round here proposes candidates from two places:

* **segmentation and recombination**: the words of the topic's tags so far
  (`#solotravel` -> solo, travel; `#travelphotography` -> travel, photography)
  as tags of their own, and joined in pairs (`#solophotography`, `#citytravel`);
* **co-occurrence**: tags that appear on the topic's posts already collected.

A recombined tag is crawled only when something shows that people use it (each
guess costs a rate-limited request, and most pairs are tags nobody wrote:
`#catpuppy`, `#kittendog`): it is on posts already collected, or frequent in the
model's vocabulary, or a known word or a known two-word phrase in the segmenter's
lexicon (wordfreq and Google Web unigrams, Google Web bigrams). See `TagEvidence`.

Candidates are ranked by relevance to the topic (cosine of sentence embeddings of
the tag's words and of the topic's description and seeds) plus a bonus for how
often they already occur with the topic; those under `min_relevance` are dropped,
so `#love` and `#follow` do not drag a travel crawl off topic.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from taglens.collect.seeds import Topic
from taglens.corpus.store import Corpus
from taglens.errors import ModelError
from taglens.hashtags import is_hashtag_body

# Words too common to stand alone as a tag or to glue into a new one.
STOPWORDS = frozenset(
    "a an and are as at be by for from i in is it me my of on or our so the this to we with you your".split()
)
MIN_WORD_LEN = 3
MAX_POOL_WORDS = 24


# -- segmentation -------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _segmenter() -> Callable[[str], list[str]]:
    """taglens' own segmenter when present, else `wordsegment` (dev extra), else identity.

    Why an adapter: the crawl must run on any install; the segmenter decides only
    how many candidates a round proposes, never whether a crawl works.
    """
    try:
        from taglens.text.segment import segment

        segment("test")  # its data files may be absent on a partial install
        return segment
    except Exception:  # noqa: BLE001 - any failure means: use the next option
        pass
    try:
        import wordsegment

        wordsegment.load()
        return lambda tag: list(wordsegment.segment(tag)) if tag.isascii() else [tag]
    except ImportError:
        return lambda tag: [tag]


def segment_words(key: str) -> list[str]:
    """Lower-case words of a hashtag key; the key itself when it does not split."""
    words = [w.casefold() for w in _segmenter()(key) if w.strip()]
    return words or [key]


# -- relevance ----------------------------------------------------------------
class Relevance(Protocol):
    """Scores phrases (a tag's words) against a topic; higher is more on topic, about [-1, 1]."""

    def __call__(self, topic_texts: Sequence[str], phrases: Sequence[str]) -> np.ndarray: ...


class EmbeddingRelevance:
    """Cosine between each phrase and the mean embedding of the topic's texts (MiniLM)."""

    def __init__(self) -> None:
        from taglens.text.sentence import SentenceEncoder

        self.encoder = SentenceEncoder.load()
        self._cache: dict[str, np.ndarray] = {}  # rounds re-score the same phrases

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self.encoder.encode(missing), strict=True))
        return np.stack([self._cache[t] for t in texts])

    def __call__(self, topic_texts: Sequence[str], phrases: Sequence[str]) -> np.ndarray:
        if not phrases:
            return np.zeros(0, dtype=np.float32)
        centre = self._vectors(topic_texts).mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        return self._vectors(phrases) @ centre


class OverlapRelevance:
    """Fallback without the embedding model: share of a phrase's words found in the topic's texts."""

    def __call__(self, topic_texts: Sequence[str], phrases: Sequence[str]) -> np.ndarray:
        vocab = {w for text in topic_texts for w in text.casefold().replace(":", " ").replace(",", " ").split()}
        scores = [sum(w in vocab for w in p.split()) / max(len(p.split()), 1) for p in phrases]
        return np.asarray(scores, dtype=np.float32)


def default_relevance() -> Relevance:
    """Embeddings when the model is installed (`taglens[full]`), word overlap otherwise."""
    try:
        return EmbeddingRelevance()
    except ModelError:
        return OverlapRelevance()


# -- candidates ---------------------------------------------------------------
@dataclass
class Candidate:
    key: str
    origins: set[str] = field(default_factory=set)
    count: int = 0
    relevance: float = 0.0
    score: float = 0.0


Segment = Callable[[str], list[str]]


def word_pool(tags: Iterable[str], segment: Segment = segment_words) -> list[str]:
    """The distinct useful words of `tags`, most frequent first, capped."""
    counts: Counter[str] = Counter()
    for tag in sorted(tags):
        counts.update(w for w in segment(tag) if len(w) >= MIN_WORD_LEN and w not in STOPWORDS)
    return [w for w, _ in counts.most_common(MAX_POOL_WORDS)]


def segmentation_candidates(tags: Iterable[str], segment: Segment = segment_words) -> set[str]:
    """Words of `tags` as tags, and every ordered pair of them glued together."""
    pool = word_pool(tags, segment)
    return {k for k in set(pool) | set(recombinations(pool)) if is_hashtag_body(k)}


def recombinations(pool: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Every ordered pair of pool words glued into a tag: {'travelphotography': ('travel', 'photography')}."""
    return {a + b: (a, b) for a in pool for b in pool if a not in b and b not in a and is_hashtag_body(a + b)}


class TagEvidence:
    """Says why a recombined tag is worth a request, or None when nothing shows anyone uses it.

    In order: it is on `min_collected` of the topic's collected posts; it is on
    `min_vocab` training posts of the model's vocabulary; it is a word of the
    segmenter's lexicon (wordfreq + Google Web unigrams, so run-together hashtags
    like 'foodporn' count) or its two words are a Google Web bigram ('travel photography').
    """

    def __init__(self, vocab_counts: dict[str, int] | None = None, min_vocab: int = 3, min_collected: int = 1,
                 lexicon: Any = None) -> None:
        self.vocab_counts = vocab_counts or {}
        self.min_vocab, self.min_collected = min_vocab, min_collected
        self.lexicon = lexicon

    def __call__(self, key: str, parts: tuple[str, str], counts: Counter[str]) -> str | None:
        if counts.get(key, 0) >= self.min_collected:
            return "collected"
        if self.vocab_counts.get(key, 0) >= self.min_vocab:
            return "vocabulary"
        if self.lexicon is not None:
            if self.lexicon.word_info(key) is not None:
                return "lexicon word"
            if self.lexicon.phrase_logp(*parts) is not None:
                return "lexicon phrase"
        return None


def default_evidence() -> TagEvidence:
    """Evidence from the shipped model's vocabulary and the segmenter's lexicon, where installed."""
    vocab_counts: dict[str, int] = {}
    try:
        from taglens.models.model_dir import load_vocab

        vocab = load_vocab(None)
        vocab_counts = {k: int(c) for k, c in zip(vocab.keys, vocab.counts.tolist(), strict=True)}
    except Exception:  # noqa: BLE001 - a partial install: collected posts still count
        pass
    lexicon = None
    try:
        from taglens.text.segment import Segmenter

        lexicon = Segmenter.load()
    except Exception:  # noqa: BLE001 - no segmenter data: vocabulary and posts only
        pass
    return TagEvidence(vocab_counts, lexicon=lexicon)


def topic_tag_counts(corpus: Corpus, topic: str) -> Counter[str]:
    """How many of the topic's stored posts carry each tag."""
    rows = corpus.conn.execute(
        "SELECT h.key, COUNT(*) FROM post_hashtags ph JOIN hashtags h ON h.rowid = ph.hashtag "
        "JOIN posts p ON p.rowid = ph.post WHERE p.topic = ? GROUP BY h.key",
        (topic,),
    )
    return Counter({key: int(n) for key, n in rows})


@dataclass
class Expander:
    """Proposes a topic's next hashtags: relevant, new, best first."""

    relevance: Relevance
    min_relevance: float = 0.35
    frequency_weight: float = 0.3
    min_cooccurrence: int = 2
    banned: frozenset[str] = frozenset()
    segment: Segment = segment_words
    evidence: Callable[[str, tuple[str, str], Counter[str]], str | None] | None = None
    dropped: set[str] = field(default_factory=set)  # recombined tags left out for want of evidence

    def rank(self, topic: Topic, crawled: Iterable[str], counts: Counter[str]) -> list[Candidate]:
        """All candidates over the relevance bar, by score; `crawled` tags are never proposed."""
        crawled = set(crawled)
        candidates = self._gather(crawled, counts)
        if not candidates:
            return []
        topic_texts = [topic.relevance_text] + [" ".join(self.segment(s)) for s in topic.seeds]
        phrases = [" ".join(self.segment(c.key)) for c in candidates]
        relevance = self.relevance(topic_texts, phrases)
        top_count = max((c.count for c in candidates), default=0)
        for cand, rel in zip(candidates, relevance, strict=True):
            cand.relevance = float(rel)
            freq = math.log1p(cand.count) / math.log1p(top_count) if top_count else 0.0
            cand.score = cand.relevance + self.frequency_weight * freq
        kept = [c for c in candidates if c.relevance >= self.min_relevance]
        return sorted(kept, key=lambda c: (-c.score, c.key))

    def _gather(self, crawled: set[str], counts: Counter[str]) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        pool = word_pool(crawled, self.segment)
        for key in pool:
            if is_hashtag_body(key):
                found.setdefault(key, Candidate(key)).origins.add("segmentation")
        for key, parts in recombinations(pool).items():
            if key in crawled or key in found:
                continue
            if self.evidence is not None and self.evidence(key, parts, counts) is None:
                self.dropped.add(key)  # a guess nobody is shown to use: not worth a request
                continue
            found.setdefault(key, Candidate(key)).origins.add("segmentation")
        for key, n in counts.items():
            if n >= self.min_cooccurrence:
                found.setdefault(key, Candidate(key)).origins.add("cooccurrence")
        for cand in found.values():
            cand.count = counts.get(cand.key, 0)
        return [c for k, c in sorted(found.items()) if k not in crawled and k not in self.banned]

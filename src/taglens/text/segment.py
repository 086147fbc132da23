"""Hashtag segmentation: `#sunsetlover` -> ['sunset', 'lover'].

Why this design:

* **A real word LM, searched exactly.** Every span of the tag that is a known
  word (415k words: `wordfreq`'s social-media-heavy English list joined with
  the Google Web unigrams) or a number or an unknown word becomes an edge of a
  lattice. A backward Viterbi pass gives each position its best completion,
  so a best-first search pops the k best segmentations in exact order.
* **The tag's own boundaries.** camelCase, letter-digit changes and
  underscores are strong, not absolute, evidence: `#iPhone` and `#FreeBSD`
  stay whole because crossing a camel boundary only costs a learned penalty.
* **A learned linear model.** Every score is a weighted sum of features
  (log frequencies in each source, unknown-word length, word length, boundary
  kind, Google bigram fit). The weights are a pairwise logistic ranker fitted
  on STAN-large train (see `scripts/train_segmenter.py`); the unigram part
  drives the search and the bigram part re-ranks the top candidates.
* **Speed.** Word scores are precomputed per word at load, so the search is
  dict look-ups and additions; results are cached per tag.

Case and characters are kept: the output words are slices of the input.
"""

from __future__ import annotations

import heapq
import json
import math
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import regex

# Per-word features, summed over the words of a segmentation.
WORD_FEATURES = (
    "wf_logp",        # log10 wordfreq frequency (0 when absent)
    "wf_missing",     # not in wordfreq
    "g_logp",         # log10 Google unigram frequency (0 when absent)
    "g_missing",      # not in the Google unigrams
    "unknown",        # in neither list (and not a number)
    "unknown_len",    # its length
    "number",         # a run of digits
    "len1",           # one character (not 'a', 'i' or a digit)
    "len2",           # two characters
    "word",           # 1 per word: the length prior
    "b_camel",        # the word starts at a camelCase boundary
    "b_digit",        # ... at a letter-digit change
    "b_plain_camel",  # ... elsewhere, in a chunk that shows camelCase
    "b_plain",        # ... elsewhere, in a chunk with no case evidence
    "x_camel",        # camelCase boundaries the word runs over
    "x_digit",        # letter-digit changes the word runs over
)
# Per-pair features, summed over adjacent words: they re-rank the k best.
PAIR_FEATURES = ("bigram_logp", "bigram_known")
FEATURES = WORD_FEATURES + PAIR_FEATURES

MAX_WORD = 30           # longest span considered as one word
DEFAULT_K = 8           # candidates re-ranked by the bigram features
PRUNE_MARGIN = 12.0     # edges this far below a position's best are never explored
CACHE_SIZE = 65536
_SPLIT_RE = regex.compile(r"[^\p{L}\p{M}\p{N}]+")

DATA_DIR = Path(str(resources.files("taglens") / "data" / "segment"))


def _is_camel(orig: str, i: int) -> bool:
    """True when a new word visibly starts at `orig[i]` (`sunsetLover`, `NYCMarathon`)."""
    prev, cur = orig[i - 1], orig[i]
    if prev.islower() and cur.isupper():
        return True
    return prev.isupper() and cur.isupper() and i + 1 < len(orig) and orig[i + 1].islower()


def _is_digit_change(orig: str, i: int) -> bool:
    return orig[i - 1].isdigit() != orig[i].isdigit()


def _has_upper(word: str) -> bool:
    """Words that already show case (`iPhone`, `NYC`) are kept as written in CamelCase."""
    return any(c.isupper() for c in word)


def _lower(text: str) -> str:
    """Lower-case `text` one character per character, so slices line up with the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def strip_tag(tag: str) -> str:
    """The tag without surrounding space and leading '#' / '＃' marks."""
    return tag.strip().lstrip("#＃").strip()


class Segmenter:
    """A loaded word model that segments many hashtags.

    Build one with `Segmenter.load()` (cached: every caller shares one copy).
    """

    def __init__(self, words: Sequence[str], wf: np.ndarray, g: np.ndarray,
                 bigrams: Sequence[str], bigram_logp: np.ndarray,
                 weights: dict[str, float], k: int = DEFAULT_K) -> None:
        self.weights = {name: float(weights.get(name, 0.0)) for name in FEATURES}
        self.k = k
        self._index = {w: i for i, w in enumerate(words)}
        self._wf = np.asarray(wf, dtype=np.float32)
        self._g = np.asarray(g, dtype=np.float32)
        self._word_score = dict(zip(words, self._lexical_scores(words).tolist()))
        self._bigram = dict(zip(bigrams, np.asarray(bigram_logp, dtype=np.float32).tolist()))
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._segment_uncached)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> Segmenter:
        """The segmenter for `data_dir` (default: the shipped data), loaded once per process."""
        return _load_cached(str(Path(data_dir) if data_dir else DATA_DIR))

    @classmethod
    def from_files(cls, data_dir: Path) -> Segmenter:
        with np.load(data_dir / "lexicon.npz") as npz:
            words = npz["words"].tobytes().decode("utf-8").split("\n")
            bigrams = npz["bigrams"].tobytes().decode("utf-8").split("\n")
            wf, g, bigram_logp = npz["wf"], npz["g"], npz["bigram_logp"]
        model = json.loads((data_dir / "weights.json").read_text(encoding="utf-8"))
        return cls(words, wf, g, bigrams, bigram_logp, model["weights"], int(model.get("k", DEFAULT_K)))

    def _lexical_scores(self, words: Sequence[str]) -> np.ndarray:
        """The context-free part of every lexicon word's score, vectorised."""
        feats = self._lexical_features_array(words)
        w = np.array([self.weights[n] for n in WORD_FEATURES[:10]], dtype=np.float64)
        return feats @ w

    def _lexical_features_array(self, words: Sequence[str]) -> np.ndarray:
        lengths = np.fromiter((len(w) for w in words), dtype=np.int32, count=len(words))
        wf_missing, g_missing = np.isnan(self._wf), np.isnan(self._g)
        short_ok = np.fromiter((w in ("a", "i") for w in words), dtype=bool, count=len(words))
        zeros = np.zeros(len(words))
        return np.stack([
            np.nan_to_num(self._wf, nan=0.0), wf_missing, np.nan_to_num(self._g, nan=0.0), g_missing,
            zeros, zeros, zeros, (lengths == 1) & ~short_ok, lengths == 2, np.ones(len(words)),
        ], axis=1).astype(np.float64)

    # -------------------------------------------------------------- public API
    def segment(self, tag: str) -> list[str]:
        """Words of `tag` (a leading '#' ignored), as slices of the original text."""
        return list(self._cached(tag))

    def segment_many(self, tags: Iterable[str]) -> list[list[str]]:
        """`segment` for each tag, in order."""
        return [self.segment(t) for t in tags]

    def camel_case(self, tag: str) -> str:
        """'#' plus the words with their first letter capitalised: `#SunsetLover`."""
        return "#" + "".join(w if _has_upper(w) else w[:1].upper() + w[1:] for w in self.segment(tag))

    def candidates(self, tag: str, k: int | None = None) -> list[tuple[float, list[str]]]:
        """The k best segmentations of a single-chunk tag with their full scores, best first.

        Used by training and by callers that want alternatives; `segment` uses
        the same search per chunk.
        """
        body = strip_tag(tag)
        if not body:
            return []
        return [(score, [body[i:j] for i, j in spans])
                for score, spans in self._chunk_candidates(body, k or self.k)]

    # ---------------------------------------------------------------- search
    def _segment_uncached(self, tag: str) -> tuple[str, ...]:
        body = unicodedata.normalize("NFC", strip_tag(tag))
        words: list[str] = []
        for chunk in _SPLIT_RE.split(body):
            if chunk:
                best = self._chunk_candidates(chunk, self.k)
                words.extend(chunk[i:j] for i, j in best[0][1])
        return tuple(words)

    def _chunk_candidates(self, orig: str, k: int) -> list[tuple[float, list[tuple[int, int]]]]:
        low = _lower(orig)
        edges = self._edges(orig, low)
        paths = _k_best(edges, len(orig), k)
        scored = [(score + self._pair_total(low, spans), spans) for score, spans in paths]
        scored.sort(key=lambda item: -item[0])  # stable: ties keep the search order
        return scored

    def _pair_total(self, low: str, spans: list[tuple[int, int]]) -> float:
        bigram = self._bigram
        known, logp = 0, 0.0
        for (i, j), (a, b) in zip(spans, spans[1:]):
            p = bigram.get(low[i:j] + " " + low[a:b])
            if p is not None:
                known += 1
                logp += p
        return self.weights["bigram_known"] * known + self.weights["bigram_logp"] * logp

    def _edges(self, orig: str, low: str) -> list[list[tuple[int, float]]]:
        """edges[i] = [(j, score of low[i:j] as one word in this context), ...]."""
        w = self.weights
        n = len(orig)
        boundary, crossing = self._boundary_costs(orig)
        word_score = self._word_score
        unk_base = w["wf_missing"] + w["g_missing"] + w["unknown"] + w["word"]
        unk_len, len1, len2 = w["unknown_len"], w["len1"], w["len2"]
        number = w["number"] + w["word"]
        digit_runs = self._digit_run_ends(low)
        edges: list[list[tuple[int, float]]] = []
        for i in range(n):
            out: list[tuple[int, float]] = []
            start = boundary[i] - crossing[i]
            run_end = digit_runs.get(i)
            for j in range(i + 1, min(n, i + MAX_WORD) + 1):
                sub = low[i:j]
                s = word_score.get(sub)
                if s is None:
                    if run_end is not None and sub.isdigit():
                        if j != run_end:
                            continue
                        s = number
                    else:
                        size = j - i
                        s = unk_base + unk_len * size + (len1 if size == 1 else len2 if size == 2 else 0.0)
                out.append((j, s + start + crossing[j - 1]))
            edges.append(out)
        return edges

    @staticmethod
    def _digit_run_ends(low: str) -> dict[int, int]:
        """Start -> end of each maximal run of digits: numbers are kept whole."""
        runs: dict[int, int] = {}
        i, n = 0, len(low)
        while i < n:
            if low[i].isdigit():
                j = i + 1
                while j < n and low[j].isdigit():
                    j += 1
                runs[i] = j
                i = j
            else:
                i += 1
        return runs

    def _boundary_costs(self, orig: str) -> tuple[list[float], list[float]]:
        """Score of starting a word at i, and prefix sums of the cost of running over i."""
        w = self.weights
        n = len(orig)
        camel = [False] + [_is_camel(orig, i) for i in range(1, n)]
        digit = [False] + [_is_digit_change(orig, i) for i in range(1, n)]
        plain = w["b_plain_camel"] if any(camel) else w["b_plain"]
        boundary = [0.0] * n
        crossing = [0.0] * n
        for i in range(1, n):
            if camel[i]:
                boundary[i], cross = w["b_camel"], w["x_camel"]
            elif digit[i]:
                boundary[i], cross = w["b_digit"], w["x_digit"]
            else:
                boundary[i], cross = plain, 0.0
            crossing[i] = crossing[i - 1] + cross
        return boundary, crossing

    # -------------------------------------------------------------- training
    def features(self, orig: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The feature vector of one segmentation of one chunk (training and tests).

        `weights @ features(...)` equals the score the search gives it.
        """
        low = _lower(orig)
        n = len(orig)
        camel = [False] + [_is_camel(orig, i) for i in range(1, n)]
        digit = [False] + [_is_digit_change(orig, i) for i in range(1, n)]
        has_camel = any(camel)
        f = dict.fromkeys(FEATURES, 0.0)
        for i, j in spans:
            self._add_word_features(f, low[i:j])
            if i > 0:
                kind = "b_camel" if camel[i] else "b_digit" if digit[i] else (
                    "b_plain_camel" if has_camel else "b_plain")
                f[kind] += 1
            for p in range(i + 1, j):
                if camel[p]:
                    f["x_camel"] += 1
                elif digit[p]:
                    f["x_digit"] += 1
        for (i, j), (a, b) in zip(spans, spans[1:]):
            p = self._bigram.get(low[i:j] + " " + low[a:b])
            if p is not None:
                f["bigram_known"] += 1
                f["bigram_logp"] += p
        return np.array([f[name] for name in FEATURES])

    def _add_word_features(self, f: dict[str, float], word: str) -> None:
        idx = self._index.get(word)
        f["word"] += 1
        size = len(word)
        if idx is None and word.isdigit():
            f["number"] += 1
            return
        if idx is None:
            f["wf_missing"] += 1
            f["g_missing"] += 1
            f["unknown"] += 1
            f["unknown_len"] += size
        else:
            wf, g = float(self._wf[idx]), float(self._g[idx])
            f["wf_logp"] += 0.0 if math.isnan(wf) else wf
            f["wf_missing"] += math.isnan(wf)
            f["g_logp"] += 0.0 if math.isnan(g) else g
            f["g_missing"] += math.isnan(g)
        f["len1"] += size == 1 and word not in ("a", "i")
        f["len2"] += size == 2


def _k_best(edges: list[list[tuple[int, float]]], n: int, k: int) -> list[tuple[float, list[tuple[int, int]]]]:
    """The k highest-scoring paths 0 -> n, best first (exact: A* with the Viterbi suffix scores)."""
    best = [-math.inf] * (n + 1)
    best[n] = 0.0
    for i in range(n - 1, -1, -1):
        best[i] = max(s + best[j] for j, s in edges[i])
    results: list[tuple[float, list[tuple[int, int]]]] = []
    heap: list[tuple[float, int, int, float, tuple]] = [(-best[0], 0, 0, 0.0, ())]
    counter = 1
    while heap and len(results) < k:
        _neg, _c, i, g, path = heapq.heappop(heap)
        if i == n:
            results.append((g, _unwind(path)))
            continue
        floor = best[i] - PRUNE_MARGIN
        for j, s in edges[i]:
            total = s + best[j]
            if total >= floor:
                heapq.heappush(heap, (-(g + total), counter, j, g + s, (path, i, j)))
                counter += 1
    return results


def _unwind(path: tuple) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    while path:
        path, i, j = path
        spans.append((i, j))
    spans.reverse()
    return spans


@lru_cache(maxsize=4)
def _load_cached(data_dir: str) -> Segmenter:
    return Segmenter.from_files(Path(data_dir))


def segment(tag: str) -> list[str]:
    """Words of a hashtag with case kept: `segment('#SunsetLover') == ['Sunset', 'Lover']`."""
    return Segmenter.load().segment(tag)


def segment_many(tags: Iterable[str]) -> list[list[str]]:
    """`segment` for each tag, in order."""
    return Segmenter.load().segment_many(tags)


def camel_case(tag: str) -> str:
    """The CamelCase display form of a hashtag: `camel_case('sunsetlover') == '#SunsetLover'`."""
    return Segmenter.load().camel_case(tag)

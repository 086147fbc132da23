"""Hashtag segmentation: `#sunsetlover` -> ['sunset', 'lover'].

Why this design:

* **A real word LM, searched exactly.** Every span of the tag that is a known
  word (413k words: `wordfreq`'s social-media-heavy English list joined with
  the Google Web unigrams) or a number or an unknown word becomes an edge of a
  lattice. A backward Viterbi pass gives each position its best completion,
  so an A* search pops the k best segmentations in exact score order.
* **The tag's own boundaries.** camelCase, letter-digit changes and
  underscores are strong, not absolute, evidence: `#iPhone` and `#FreeBSD`
  stay whole because crossing a camel boundary only costs a learned penalty.
* **A learned linear model.** Every score is a weighted sum of features
  (log frequencies in each source, unknown-word length and how English its
  letters read under a letter-trigram model, word length, boundary kind,
  Google bigram fit). The weights are a listwise softmax ranker fitted
  on STAN-large train (see `scripts/train_segmenter.py`); the per-word part
  drives the search and the per-pair part re-ranks the k best.
* **Speed.** Word scores are precomputed per word at load, so the search is
  dict look-ups and additions, with look-ups skipped past the longest word
  a prefix allows, the letter model as prefix sums, and plain loops (a
  position has a handful of spans: comprehensions cost more than they save);
  the boundary arrays of a chunk are memoised per shape ('ulllllulll'),
  edges are pruned only where the k-best search expands them (a few
  positions per tag), and results are cached per tag.

Case and characters are kept: the output words are slices of the input.
"""

from __future__ import annotations

import heapq
import json
import math
import re
import sys
import types
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from operator import itemgetter
from importlib import resources
from pathlib import Path

import numpy as np
import regex

from taglens.text import cjk

# Per-word features, summed over the words of a segmentation. The first group
# depends on the word alone and is precomputed for every lexicon word.
LEXICAL_FEATURES = (
    "wf_logp",        # log10 wordfreq frequency (0 when absent)
    "wf_missing",     # not in wordfreq
    "wf_uncommon",    # how far below 10^-5.5 it is (with wf_rare: a piecewise-linear frequency prior)
    "wf_rare",        # how far below 10^-6.5 it is: rare entries are often run-together junk
    "g_logp",         # log10 Google unigram frequency (0 when absent)
    "g_missing",      # not in the Google unigrams
    "in_dict",        # in the English dictionary: 'bailout' is a word, 'homerun' two
    "long_nondict",   # known, 7+ letters, not in the dictionary: maybe a run-together phrase
    "compound",       # not in the dictionary but spelled by 2-4 common words ('throwbackthursday')
    "compound_dict",  # ... and in the dictionary ('bailout')
    "suffix",         # an English suffix ('ist', 'les', 'tastic'): splitting one off is suspect
    "prefix",         # an English prefix ('re', 'anti', 'multi')
    "len1",           # one character (not 'a', 'i' or a digit)
    "len2",           # two characters
    "word",           # 1 per word: the length prior
)
WORD_FEATURES = LEXICAL_FEATURES + (
    "unknown",        # in neither list (and not a number)
    "unknown_len",    # its length
    "unknown_len5",   # letters beyond the 5th: long unknown words are rarer than their length says
    "unknown_len9",   # letters beyond the 9th ('hasabigtodger' is four words, not one)
    "unknown_logp",   # log10 P of its letters under a letter-trigram model of English words ('hullfc': 'lfc$')
    "number",         # a run of digits
    "number_part",    # ... that is only part of a longer run ('F1 2013')
    "digit1",         # ... of one digit: '4 ever' is less likely than '4ever'
    "word_short_tag",  # 1 per word in a chunk of 6 or fewer characters: short tags are mostly one token
    "word_long_tag",  # 1 per word in a chunk of 13 or more: long tags are mostly phrases
    "b_camel",        # the word starts at a camelCase boundary
    "b_capsend",      # ... where a run of capitals meets lower case ('NSA|plz')
    "b_digit",        # ... at a letter-digit change
    "b_plain_camel",  # ... elsewhere, in a chunk that shows camelCase
    "b_plain",        # ... elsewhere, in a chunk with no case evidence
    "x_camel",        # camelCase boundaries a known word runs over ('iPhone')
    "x_camel_freq",   # ... times how common that word is: 'YouTube' may, 'ThrowbackThursday' may not
    "x_camel_unknown",  # ... an unknown word runs over ('ChukidarChor')
    "x_capsend",      # capitals-to-lower changes a word runs over ('NYCMarathon' -> 'Marathon')
    "x_digit",        # letter-digit changes a known word runs over ('4ever', 'b2b')
    "x_digit_unknown",  # ... an unknown word runs over
)
CHAR_CONTEXT, CHAR_NEXT = "^abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz$"  # the letter model's axes
OTHER_LETTER_LOGP = -math.log10(27)  # a step of the letter model that involves a character other than a-z
RARE_LOGP = -6.5
UNCOMMON_LOGP = -5.5
SUFFIXES = frozenset(
    "s es ed er ers est ing ings ist ists ism isms ly ness less ful able ible ment ments tion tions ity ish "
    "ize ise ized ised y ie ies ette ettes dom ship ville tastic licious aholic holic ology ologist ish esque "
    "let lets ling lings ster sters ee ees en ens al als ic ics ous ive ives ward wards wise".split())
PREFIXES = frozenset(
    "re un pre anti multi non dis mis over under out sub super inter trans ultra mega micro mini semi co de "
    "ex bi tri uni auto tele hyper post pro".split())
LONG_WORD = 7
SHORT_TAG, LONG_TAG = 6, 13
COMMON_LOGP = -7.0      # x_camel_freq counts log10 frequency above this
WHOLE_ALNUM_LOGP = -7.5  # a tag that is one known letters-and-digits word ('4ever', 'ps4') stays whole
# A chunk of one or two letters then a number is a code ('a330', 'T20', 'i7500', 'AA3') and stays whole,
# except letters + a year ('sb09', 'IC10', 'cg2010'), which STAN-large train mostly splits.
_CODE_RE = re.compile(r"[^\W\d_]{1,2}(\d{1,4})")
_YEAR_RE = re.compile(r"[01]\d|(?:19|20)\d\d")
# Per-pair features, summed over adjacent words: they re-rank the k best.
PAIR_FEATURES = (
    "bigram_logp",    # log10 P(w2 | w1), Google bigrams (0 when absent)
    "bigram_known",   # the pair is among the Google bigrams
    "repeat",         # the same word twice ('nom nom nom', 'hee hee')
)
FEATURES = WORD_FEATURES + PAIR_FEATURES

MAX_WORD = 30           # longest span considered as one word
DEFAULT_K = 8           # candidates re-ranked by the bigram features
# ... and LONG_K for a chunk with a run of LONG_RUN+ lower-case letters: in a long phrase with no case
# evidence ('stuckonthemotorwayforoveranhour...') the per-word search ranks the best phrase lower
LONG_RUN, LONG_K = 18, 32
PRUNE_MARGIN = 6.0      # edges this far below a position's best are never explored
CACHE_SIZE = 65536
SHAPE_CACHE_SIZE = 4096  # boundary arrays of the tag shapes last seen (`_boundaries`)
_SEPARATOR_RE = regex.compile(r"([^\p{L}\p{M}\p{N}]+)")
_LOWER_RUN_RE = regex.compile(r"\p{Ll}+")
# per position of a chunk (`_boundary_arrays`): start, known_start, unknown_start, known_end, unknown_end,
# run_end, run_start, next camel boundary, last span end
_Bounds = tuple[list[float], list[float], list[float], list[float], list[float], list[int], list[bool],
                list[int], list[int]]

DATA_DIR = Path(str(resources.files("taglens") / "data" / "segment"))


# Boundaries the writing shows, found on the tag's shape (u/l/d/o per character), in priority order.
_SHAPE_BOUNDARIES = (
    ("b_camel", re.compile(r"(?<=l)(?=u)|(?<=u)(?=ul)")),   # sunset|Lover, NYC|Marathon
    ("b_capsend", re.compile(r"(?<=uu)(?=l)")),            # NSA|plz
    ("b_digit", re.compile(r"(?<=d)(?=[^d])|(?<=[^d])(?=d)")),  # podcast|2019|vibes
)


# The shape letter (u/l/d/o) of each ASCII character; other characters are classified one by one.
_ASCII_SHAPE = str.maketrans({chr(c): "u" if chr(c).isupper() else "l" if chr(c).islower()
                              else "d" if chr(c).isdigit() else "o" for c in range(128)})


def _shape(text: str) -> str:
    """Each character's kind: u(pper), l(ower), d(igit) or o(ther). Boundaries depend on nothing else."""
    shape = text.translate(_ASCII_SHAPE)
    if shape.isascii():
        return shape
    return "".join(["u" if c.isupper() else "l" if c.islower() else "d" if c.isdigit() else "o" for c in text])


def _is_code(chunk: str) -> bool:
    """One or two letters then up to four digits, not a year: 'a330', 'T20', 'AA3' (not 'sb09', 'ca2009')."""
    m = _CODE_RE.fullmatch(chunk)
    return m is not None and _YEAR_RE.fullmatch(m[1]) is None


def _tag_length_feature(n: int) -> str:
    """The per-word feature a chunk of n characters carries ('' for middle lengths)."""
    return "word_short_tag" if n <= SHORT_TAG else "word_long_tag" if n >= LONG_TAG else ""


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

    def __init__(self, words: Sequence[str], wf: np.ndarray, g: np.ndarray, in_dict: np.ndarray,
                 parts: np.ndarray, bigrams: Sequence[str], bigram_logp: np.ndarray,
                 weights: dict[str, float], k: int = DEFAULT_K,
                 reach: tuple[dict[str, int], dict[str, int]] | None = None,
                 char_trigram_logp: np.ndarray | None = None) -> None:
        self.weights = {name: float(weights.get(name, 0.0)) for name in FEATURES}
        self.k = k
        self.words = list(words)
        self._wf = np.asarray(wf, dtype=np.float32)
        self._g = np.asarray(g, dtype=np.float32)
        self._in_dict = np.asarray(in_dict, dtype=bool)
        self._parts = np.asarray(parts, dtype=np.uint8)
        special = SUFFIXES | PREFIXES | {"a", "i"}
        self._special = {w: i for i, w in enumerate(self.words) if w in special}  # for _mask, without a full index
        scores = np.zeros(len(self.words))
        for name, column in self._lexical_columns(self.words).items():
            if self.weights[name]:
                scores += self.weights[name] * column
        self._word_score = dict(zip(self.words, scores.tolist()))
        if reach is None:
            by_length = sorted(self.words, key=len)
            reach = _prefix_reach(by_length, 4), _prefix_reach(by_length, 6)
        self._reach4, self._reach6 = reach
        self._unknown_by_size = self._unknown_scores()
        common = np.flatnonzero(self._wf > COMMON_LOGP)
        self._common = dict(zip([self.words[i] for i in common.tolist()], (self._wf[common] - COMMON_LOGP).tolist()))
        frequent = np.flatnonzero(self._wf >= WHOLE_ALNUM_LOGP).tolist()
        self._whole_alnum = {self.words[i] for i in frequent if not self.words[i].isalpha()}
        self._bigram = dict(zip(bigrams, np.asarray(bigram_logp, dtype=np.float32).tolist()))
        self._char_trigram_logp = char_trigram_logp
        # the letter model, log10 P: of a word's first two letters ('ab'), of its end after two letters
        # ('ab'), and of a letter after two others ('abc'); a-z only (a step involving another character
        # scores OTHER_LETTER_LOGP)
        self._start_pair: dict[str, float] = {}
        self._end_pair: dict[str, float] = {}
        self._trigram: dict[str, float] = {}
        self._letter_pair: dict[str, tuple[float, float]] = {}
        self._letter_triple: dict[str, tuple[float, float, float]] = {}
        if char_trigram_logp is not None:
            t = np.asarray(char_trigram_logp, dtype=np.float64)
            letters = CHAR_CONTEXT[1:]
            for x, a in enumerate(letters, 1):
                for y, b in enumerate(letters, 1):
                    self._start_pair[a + b] = float(t[0, 0, x - 1] + t[0, x, y - 1])
                    self._end_pair[a + b] = float(t[x, y, len(CHAR_NEXT) - 1])
                    self._letter_pair[a + b] = (self._start_pair[a + b], self._end_pair[a + b])
                    for z, c in enumerate(letters):
                        self._trigram[a + b + c] = float(t[x, y, z])
            for key, value in self._trigram.items():
                self._letter_triple[key] = (value, *self._letter_pair[key[1:]])
        w = self.weights
        self._kind_costs = {  # boundary kind -> (word starting there, known / unknown word over it)
            "": (0.0, 0.0, 0.0), "b_plain": (w["b_plain"], 0.0, 0.0),
            "b_plain_camel": (w["b_plain_camel"], 0.0, 0.0),
            "b_camel": (w["b_camel"], w["x_camel"], w["x_camel_unknown"]),
            "b_digit": (w["b_digit"], w["x_digit"], w["x_digit_unknown"]),
            "b_capsend": (w["b_capsend"], w["x_capsend"], w["x_capsend"]),
        }
        self._pair_weights = tuple(self.weights[name] for name in (
            "bigram_known", "bigram_logp", "repeat"))
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._segment_uncached)
        self._boundaries = lru_cache(maxsize=SHAPE_CACHE_SIZE)(self._boundary_arrays)

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
            arrays = [npz[name] for name in ("wf", "g", "in_dict", "parts")]
            bigram_logp = npz["bigram_logp"]
            reach = (_read_reach(npz, 4), _read_reach(npz, 6)) if "reach4_keys" in npz else None
            trigram = npz["char_trigram_logp"] if "char_trigram_logp" in npz else None
        model = json.loads((data_dir / "weights.json").read_text(encoding="utf-8"))
        return cls(words, *arrays, bigrams, bigram_logp, model["weights"], int(model.get("k", DEFAULT_K)), reach,
                   trigram)

    def with_weights(self, weights: dict[str, float], k: int | None = None) -> Segmenter:
        """A segmenter sharing this lexicon with other weights (training and tuning)."""
        pairs = list(self._bigram)
        return Segmenter(self.words, self._wf, self._g, self._in_dict, self._parts, pairs,
                         np.array([self._bigram[p] for p in pairs], dtype=np.float32), weights, k or self.k,
                         (self._reach4, self._reach6), self._char_trigram_logp)

    def _lexical_columns(self, words: Sequence[str]) -> dict[str, np.ndarray]:
        """Each of LEXICAL_FEATURES for every lexicon word, one column each (vectorised: loading stays fast)."""
        n = len(words)
        lengths = np.array([len(w) for w in words], dtype=np.int32)
        short_ok = self._mask(("a", "i"))
        wf_missing, g_missing = np.isnan(self._wf), np.isnan(self._g)
        wf = np.nan_to_num(self._wf, nan=0.0)
        columns = {
            "wf_logp": wf,
            "wf_missing": wf_missing,
            "wf_uncommon": np.where(wf_missing, 0.0, np.maximum(0.0, UNCOMMON_LOGP - wf)),
            "wf_rare": np.where(wf_missing, 0.0, np.maximum(0.0, RARE_LOGP - wf)),
            "g_logp": np.nan_to_num(self._g, nan=0.0),
            "g_missing": g_missing,
            "in_dict": self._in_dict,
            "compound": (self._parts > 0) & ~self._in_dict,
            "compound_dict": (self._parts > 0) & self._in_dict,
            "long_nondict": (lengths >= LONG_WORD) & ~self._in_dict,
            "suffix": self._mask(SUFFIXES),
            "prefix": self._mask(PREFIXES),
            "len1": (lengths == 1) & ~short_ok,
            "len2": lengths == 2,
            "word": np.ones(n),
        }
        return {name: np.asarray(columns[name], dtype=np.float64) for name in LEXICAL_FEATURES}

    @cached_property
    def _index(self) -> dict[str, int]:
        """Word -> row, built on first use (training, tests): serving never needs it."""
        return dict(zip(self.words, range(len(self.words))))

    @cached_property
    def _lexical(self) -> dict[str, np.ndarray]:
        """The lexical feature columns, rebuilt on first use (training, tests): not kept after loading."""
        return self._lexical_columns(self.words)

    def _mask(self, members: Iterable[str]) -> np.ndarray:
        """A boolean row per lexicon word, True for `members`."""
        mask = np.zeros(len(self.words), dtype=bool)
        mask[[self._special[w] for w in members if w in self._special]] = True
        return mask

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

    def word_info(self, word: str) -> tuple[float, bool] | None:
        """(log10 wordfreq frequency, in the English dictionary) of a lexicon word, else None.

        For display decisions (`taglens.text.display`): is 'nofilter' a word or a coinage?
        """
        i = self._index.get(word)
        return None if i is None else (float(self._wf[i]), bool(self._in_dict[i]))

    def phrase_logp(self, first: str, second: str) -> float | None:
        """log10 frequency of the two-word phrase in the Google Web bigrams, or None when unseen."""
        return self._bigram.get(f"{first.lower()} {second.lower()}")

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
        """Segment each run of letters and digits; separators ('_') stay, as their own tokens."""
        words: list[str] = []
        for piece in strip_tag(tag).split():
            for n, chunk in enumerate((piece,) if piece.isalnum() else _SEPARATOR_RE.split(piece)):
                if n % 2:
                    words.append(chunk)
                elif chunk in self._whole_alnum or _lower(chunk) in self._whole_alnum or _is_code(chunk):
                    words.append(chunk)  # slang and product names with digits: '4ever', 'ps4', 'b2b', 'a330'
                elif chunk:
                    _score, spans = max(self._rescored(chunk, self._beam(chunk)), key=itemgetter(0))  # first of ties
                    words.extend([chunk[i:j] for i, j in spans])
        return tuple(words)

    def _beam(self, chunk: str) -> int:
        """How many candidates the bigram features re-rank for this chunk."""
        if len(chunk) >= LONG_RUN and max(map(len, _LOWER_RUN_RE.findall(chunk)), default=0) >= LONG_RUN:
            return max(self.k, LONG_K)
        return self.k

    def _chunk_candidates(self, orig: str, k: int) -> list[tuple[float, list[tuple[int, int]]]]:
        """The k best segmentations of one chunk, re-ranked by the bigram features, best first."""
        scored = self._rescored(orig, k)
        scored.sort(key=itemgetter(0), reverse=True)  # stable: ties keep the search order
        return scored

    def _rescored(self, orig: str, k: int) -> list[tuple[float, list[tuple[int, int]]]]:
        """The k best segmentations of the per-word search, in its order, with the bigram features added."""
        low = _lower(orig)
        paths = _k_best(*self._lattice(orig, low), k)
        return [(score + self._pair_total(low, spans), spans) for score, spans in paths]

    def _pair_total(self, low: str, spans: list[tuple[int, int]]) -> float:
        """The re-ranking part of a candidate's score: the weighted PAIR_FEATURES (`features`, unrolled)."""
        if len(spans) < 2:
            return 0.0
        w_known, w_logp, w_repeat = self._pair_weights
        bigram_get = self._bigram.get
        total = 0.0
        (i, j), *rest = spans
        first = low[i:j]
        for i, j in rest:
            second = low[i:j]
            p = bigram_get(first + " " + second)
            if p is not None:
                total += w_known + w_logp * p
            if first == second:
                total += w_repeat
            first = second
        return total

    def _edge_letters(self, low: str) -> tuple[list[float], list[float]]:
        """The weighted letter-model score of an unknown word low[i:j] of 2+ letters, split as
        first[i] + second[j]: with S[p] the sum of log10 P of the letters at 2..p-1 after their two
        predecessors, first[i] = w (start(i) - S[i+2]) and second[j] = w (S[j] + end(j))."""
        n = len(low)
        w = self.weights["unknown_logp"]
        first = [0.0] * (n + 1)
        if not w or not self._trigram:
            return first, first
        second = [0.0] * (n + 1)
        pair_get, triple_get, trigram_get = self._letter_pair.get, self._letter_triple.get, self._trigram.get
        no_pair = (2 * OTHER_LETTER_LOGP, OTHER_LETTER_LOGP)
        total = 0.0
        for i in range(n - 1):
            # 'xab' -> (P(b | xa), start 'ab', end 'ab') in one look-up; else some letter is not a-z
            triple = triple_get(low[i - 1:i + 2]) if i else None
            if triple is not None:
                letter, start, end = triple
                total += letter
            else:
                if i:
                    total += trigram_get(low[i - 1:i + 2], OTHER_LETTER_LOGP)
                start, end = pair_get(low[i:i + 2], no_pair)
            first[i] = w * (start - total)
            second[i + 2] = w * (total + end)
        return first, second

    def _letters_logp(self, word: str) -> float:
        """log10 P of a word of 2+ letters under the letter model (what `_edge_letters` adds up)."""
        trigram_get, other = self._trigram.get, OTHER_LETTER_LOGP
        inner = sum(trigram_get(word[k - 2:k + 1], other) for k in range(2, len(word)))
        return self._start_pair.get(word[:2], 2 * other) + inner + self._end_pair.get(word[-2:], other)

    def _lattice(self, orig: str, low: str) -> tuple[list[list[tuple[int, float, float]]], list[float]]:
        """The word lattice of one chunk, built backwards, with the best completion of each position.

        edges[i] = [(j, score of orig[i:j] as one word here, that score + best[j]), ...]; an edge
        below PRUNE_MARGIN of the best so far is dropped at once, and `_k_best` skips the rest below
        best[i] - PRUNE_MARGIN (filtering every position here cost more: the search expands a few).
        Written as plain loops: for the few spans of one position, comprehensions cost more than they save.
        """
        w = self.weights
        n = len(orig)
        per_word = _tag_length_feature(n)
        pw = w[per_word] if per_word else 0.0
        if orig.isalpha() and (orig.islower() or orig.isupper()):  # no written boundaries: the common case
            return self._plain_lattice(low, n, pw)
        bounds = self._boundaries(_shape(orig))
        if bounds is None:  # 'Sunset': capitalised, still no boundaries
            return self._plain_lattice(low, n, pw)
        start, known_start, unknown_start, known_end, unknown_end, run_ends, run_starts, next_camel, lasts = bounds
        x_freq = w["x_camel_freq"]
        common = self._common
        word_get = self._word_score.get
        unknown_by_size = self._unknown_by_size
        number = w["number"] + w["word"]
        number_part = number + w["number_part"]
        digit1 = w["digit1"]
        reach4, reach6 = self._reach4, self._reach6
        letter_start, letter_end = self._edge_letters(low)
        edges: list[list[tuple[int, float, float]]] = [[] for _ in range(n)]
        best = [0.0] * (n + 1)
        for i in range(n - 1, -1, -1):
            run_end = run_ends[i]
            known_i, unknown_i = known_start[i], unknown_start[i]
            unknown_i2 = unknown_i + letter_start[i]  # unknown words of 2+ letters: the letter model too
            cross = next_camel[i]  # a span ending past this runs over a camelCase boundary
            last = lasts[i]
            # spans up to `look` may be lexicon words or numbers; longer ones are unknown words:
            # no lexicon word with this 4- (6-) letter prefix is longer than reach4 (reach6) says
            reach = reach4.get(low[i:i + 4])
            if reach is None:
                reach = 3
            elif reach > 6:
                reach = reach6.get(low[i:i + 6], 5)
            look = i + reach
            if look < run_end:
                look = run_end
            if look > last:
                look = last
            out: list[tuple[int, float, float]] = []
            append = out.append
            top = floor = -math.inf
            for j in range(i + 1, look + 1):
                s = word_get(low[i:j])
                if s is not None:
                    if j > cross:  # a known word running over a camelCase boundary (one at most: `lasts`)
                        s += x_freq * common.get(low[i:j], 0.0)
                    s += known_i + known_end[j]
                elif j <= run_end:  # all digits: a number, or part of one
                    s = (number if run_starts[i] and j == run_end else number_part) + start[i]
                    if j == i + 1:
                        s += digit1
                elif j > i + 1:
                    s = unknown_by_size[j - i] + unknown_i2 + unknown_end[j] + letter_end[j]
                else:
                    s = unknown_by_size[1] + unknown_i + unknown_end[j]
                t = s + best[j]
                if t >= floor:  # the floor only rises: an edge below it now stays pruned
                    if t > top:
                        top = t
                        floor = t - PRUNE_MARGIN
                    append((j, s, t))
            for j in range(look + 1, last + 1):  # longer spans: unknown words
                s = unknown_by_size[j - i] + unknown_i2 + unknown_end[j] + letter_end[j]
                t = s + best[j]
                if t >= floor:  # the floor only rises: an edge below it now stays pruned
                    if t > top:
                        top = t
                        floor = t - PRUNE_MARGIN
                    append((j, s, t))
            best[i] = top
            edges[i] = out
        return edges, best

    def _boundary_arrays(self, shape: str) -> _Bounds | None:
        """What `_lattice` needs from the tag's written boundaries, per position (None when it shows none).

        Memoised per shape (`_boundaries`): it depends on nothing else, and tags repeat their shape
        (two thirds of the HashSet sample's camelCase shapes are seen before).
        """
        ctx = _Context(shape)
        if ctx.plain and not ctx.digits:
            return None
        per_word = _tag_length_feature(len(shape))
        pw = self.weights[per_word] if per_word else 0.0
        # per position: the score of a word starting there, and prefix sums of the cost of a known
        # (unknown) word running over it
        start: list[float] = []
        known_x: list[float] = []
        unknown_x: list[float] = []
        kx = ux = 0.0
        kind_costs = self._kind_costs
        for kind in ctx.kind:
            word_start, known_over, unknown_over = kind_costs[kind]
            start.append(word_start + pw if per_word else word_start)
            kx += known_over
            ux += unknown_over
            known_x.append(kx)
            unknown_x.append(ux)
        # a known (unknown) word orig[i:j] scores start[i] - known_x[i] + known_x[j - 1] (unknown_x) for them
        known_start = [a - x for a, x in zip(start, known_x)]
        unknown_start = [a - x for a, x in zip(start, unknown_x)]
        known_end, unknown_end = [0.0, *known_x], [0.0, *unknown_x]
        next_camel, limits = ctx.camel_reach()
        lasts = [min(limit, i + MAX_WORD) for i, limit in enumerate(limits)]  # and no word runs over two
        return (start, known_start, unknown_start, known_end, unknown_end, ctx.run_end, ctx.run_start, next_camel,
                lasts)

    def _plain_lattice(self, low: str, n: int, per_word: float) -> tuple[list[list[tuple[int, float, float]]], list[float]]:
        """`_lattice` for a chunk with no written boundaries (no camelCase, no digits): every word
        start costs the same and nothing is run over. Same scores, less work."""
        word_get = self._word_score.get
        unknown_by_size = self._unknown_by_size
        reach4, reach6 = self._reach4, self._reach6
        inner = self.weights["b_plain"] + per_word
        letter_start, letter_end = self._edge_letters(low)
        edges: list[list[tuple[int, float, float]]] = [[] for _ in range(n)]
        best = [0.0] * (n + 1)
        for i in range(n - 1, -1, -1):
            st = inner if i else per_word
            st2 = st + letter_start[i]  # unknown words of 2+ letters: the letter model too
            last = i + MAX_WORD
            if last > n:
                last = n
            reach = reach4.get(low[i:i + 4])
            if reach is None:
                reach = 3
            elif reach > 6:
                reach = reach6.get(low[i:i + 6], 5)
            look = i + reach
            if look > last:
                look = last
            out: list[tuple[int, float, float]] = []
            append = out.append
            top = floor = -math.inf
            for j in range(i + 1, look + 1):
                s = word_get(low[i:j])
                if s is not None:
                    s += st
                elif j > i + 1:
                    s = unknown_by_size[j - i] + st2 + letter_end[j]
                else:
                    s = unknown_by_size[1] + st
                t = s + best[j]
                if t >= floor:  # the floor only rises: an edge below it now stays pruned
                    if t > top:
                        top = t
                        floor = t - PRUNE_MARGIN
                    append((j, s, t))
            for j in range(look + 1, last + 1):
                s = unknown_by_size[j - i] + st2 + letter_end[j]
                t = s + best[j]
                if t >= floor:  # the floor only rises: an edge below it now stays pruned
                    if t > top:
                        top = t
                        floor = t - PRUNE_MARGIN
                    append((j, s, t))
            best[i] = top
            edges[i] = out
        return edges, best

    def _unknown_scores(self) -> list[float]:
        """Score of an unknown word of each length (index = length), before context."""
        w = self.weights
        base = w["wf_missing"] + w["g_missing"] + w["unknown"] + w["word"]
        scores = [0.0]
        for size in range(1, MAX_WORD + 1):
            s = base + w["unknown_len"] * size + w["unknown_len5"] * max(0, size - 5)
            s += w["unknown_len9"] * max(0, size - 9)
            s += w["len1"] if size == 1 else w["len2"] if size == 2 else 0.0
            scores.append(s)
        return scores

    # -------------------------------------------------------------- training
    def features(self, orig: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """The feature vector of one segmentation of one chunk (training and tests).

        `weights @ features(...)` equals the score the search gives it.
        """
        low = _lower(orig)
        ctx = _Context(_shape(orig))
        f = dict.fromkeys(FEATURES, 0.0)
        for i, j in spans:
            known = self._add_word_features(f, low[i:j], ctx, i, j)
            if _tag_length_feature(len(orig)):
                f[_tag_length_feature(len(orig))] += 1
            if i > 0:
                f[ctx.kind[i]] += 1
            for p in range(i + 1, j):
                if ctx.kind[p] == "b_camel":
                    f["x_camel" if known else "x_camel_unknown"] += 1
                    f["x_camel_freq"] += self._commonness(low[i:j])
                elif ctx.kind[p] == "b_digit":
                    f["x_digit" if known else "x_digit_unknown"] += 1
                elif ctx.kind[p] == "b_capsend":
                    f["x_capsend"] += 1
        for (i, j), (a, b) in zip(spans, spans[1:]):
            p = self._bigram.get(low[i:j] + " " + low[a:b])
            if p is not None:
                f["bigram_known"] += 1
                f["bigram_logp"] += p
            f["repeat"] += low[i:j] == low[a:b]
        return np.array([f[name] for name in FEATURES])

    def _commonness(self, word: str) -> float:
        """How far the word's wordfreq frequency is above 10^-7 (0 for rare or unknown words)."""
        return self._common.get(word, 0.0)

    def _add_word_features(self, f: dict[str, float], word: str, ctx: _Context, i: int, j: int) -> bool:
        """Add the word's own features to `f`; True when it counts as known (lexicon or number)."""
        idx = self._index.get(word)
        if idx is not None:
            for name in LEXICAL_FEATURES:
                f[name] += float(self._lexical[name][idx])
            return True
        f["word"] += 1
        if j <= ctx.run_end[i]:
            f["number"] += 1
            f["number_part"] += not (ctx.run_start[i] and j == ctx.run_end[i])
            f["digit1"] += j == i + 1
            return True
        size = len(word)
        f["wf_missing"] += 1
        f["g_missing"] += 1
        f["unknown"] += 1
        f["unknown_len"] += size
        f["unknown_len5"] += max(0, size - 5)
        f["unknown_len9"] += max(0, size - 9)
        if size >= 2:
            f["unknown_logp"] += self._letters_logp(word)
        f["len1"] += size == 1
        f["len2"] += size == 2
        return False


class _Context:
    """What the written tag shows about word boundaries, position by position."""

    __slots__ = ("camels", "digits", "kind", "plain", "run_end", "run_start")

    def __init__(self, shape: str) -> None:
        """`shape`: the tag's `_shape`, all the context depends on."""
        n = len(shape)
        self.run_end = [0] * n
        self.run_start = [False] * n
        # kind[i]: what kind of boundary a word starting at i (> 0) would use
        kind = [""] * n
        for name, pattern in _SHAPE_BOUNDARIES:  # later kinds never overwrite earlier ones
            for m in pattern.finditer(shape):
                if 0 < m.start() < n and not kind[m.start()]:
                    kind[m.start()] = name
        plain = "b_plain_camel" if "b_camel" in kind or "b_capsend" in kind else "b_plain"
        self.kind = [""] + [k or plain for k in kind[1:]]
        self.plain = not any(kind)
        self.camels = [p for p, k in enumerate(kind) if k == "b_camel"]
        # run_end[i]: end of the digit run holding i (0 when orig[i] is not a digit);
        # run_start[i]: True when i starts that run
        self.digits = "d" in shape
        i = 0 if self.digits else n
        while i < n:
            if shape[i] == "d":
                j = i + 1
                while j < n and shape[j] == "d":
                    j += 1
                self.run_end[i:j] = [j] * (j - i)
                self.run_start[i] = True
                i = j
            else:
                i += 1

    def camel_reach(self) -> tuple[list[int], list[int]]:
        """For each start i, the first and the second camelCase boundary after it (n when none).

        A span ending past the first runs over a boundary; one ending past the second would run over two.
        """
        n = len(self.kind)
        first = [n] * (n + 1)
        for p, q in zip([0, *self.camels], self.camels):
            first[p:q] = [q] * (q - p)
        return first, [first[p] for p in first[:n]]

    def boundary_scores(self, w: dict[str, float]) -> list[float]:
        """Score of a word starting at each position."""
        return [0.0] + [w[k] for k in self.kind[1:]]

    def crossing_sums(self, camel: float, digit: float, capsend: float) -> list[float]:
        """Prefix sums of the cost of a word running over each position."""
        cost = {"b_camel": camel, "b_digit": digit, "b_capsend": capsend}
        sums = [0.0] * len(self.kind)
        if self.plain:
            return sums  # no written boundaries at all
        for p in range(1, len(self.kind)):
            sums[p] = sums[p - 1] + cost.get(self.kind[p], 0.0)
        return sums


def _k_best(edges: list[list[tuple[int, float, float]]], best: list[float],
            k: int) -> list[tuple[float, list[tuple[int, int]]]]:
    """The k highest-scoring paths through a lattice, best first.

    Exact: an A* search whose heuristic is the true best completion (`best`),
    so complete paths come off the heap in score order. Edges below best[i] - PRUNE_MARGIN
    cannot make the k best and are skipped here (`_lattice` leaves them in).
    """
    n = len(edges)
    results: list[tuple[float, list[tuple[int, int]]]] = []
    heap: list[tuple[float, int, int, float, tuple]] = [(-best[0], 0, 0, 0.0, ())]
    push, pop = heapq.heappush, heapq.heappop
    counter = 1
    while heap and len(results) < k:
        _neg, _c, i, g, path = pop(heap)
        if i == n:
            results.append((g, _unwind(path)))
            continue
        floor = best[i] - PRUNE_MARGIN
        for j, s, total in edges[i]:
            if total >= floor:
                push(heap, (-(g + total), counter, j, g + s, (path, i, j)))
                counter += 1
    return results


def _unwind(path: tuple) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    while path:
        path, i, j = path
        spans.append((i, j))
    spans.reverse()
    return spans


def _prefix_reach(by_length: Sequence[str], size: int) -> dict[str, int]:
    """Length of the longest lexicon word for each `size`-letter prefix (words of `size`+ letters).

    Why: most spans of a tag are not words; knowing that no word starting with
    'sunsetl' exists lets the search skip their look-ups. `by_length` is sorted
    shortest first, so the longest word of each prefix is written last.
    """
    return {w[:size]: len(w) for w in by_length if len(w) >= size}


def _read_reach(npz: np.lib.npyio.NpzFile, size: int) -> dict[str, int]:
    keys = npz[f"reach{size}_keys"].tobytes().decode("utf-8").split("\n")
    return dict(zip(keys, npz[f"reach{size}_len"].tolist()))


@lru_cache(maxsize=4)
def _load_cached(data_dir: str) -> Segmenter:
    return Segmenter.from_files(Path(data_dir))


def segment(tag: str) -> list[str]:
    """Words of a hashtag with case kept: `segment('#SunsetLover') == ['Sunset', 'Lover']`; a tag
    in Japanese, Chinese or Korean by that language's analyser (`#東京タワー` -> 東京, タワー)."""
    if _cjk_tag(tag):
        return _cjk_words(tag)
    return Segmenter.load().segment(tag)


def segment_language(tag: str, lang: str | None) -> list[str]:
    """Words of a hashtag in language `lang` (ISO 639-1): that language's lexicon where
    taglens ships one (`text/lexicons.py`: de es fr id it nl pt tr), a Japanese, Chinese or
    Korean tag by its analyser (text/cjk.py), else this English segmenter."""
    if _cjk_tag(tag):
        return _cjk_words(tag, lang)
    from taglens.text.lexicons import segment_in

    return segment_in(tag, lang)


def segment_many(tags: Iterable[str]) -> list[list[str]]:
    """`segment` for each tag, in order."""
    tags = list(tags)
    cjk_tags = [_cjk_tag(t) for t in tags]
    plain = iter(Segmenter.load().segment_many([t for t, c in zip(tags, cjk_tags, strict=True) if not c]))
    return [_cjk_words(t) if c else next(plain) for t, c in zip(tags, cjk_tags, strict=True)]


def _cjk_tag(tag: str) -> bool:
    return cjk.has_cjk(tag) and cjk.available()


def _cjk_words(tag: str, lang: str | None = None) -> list[str]:
    return cjk.words(tag.lstrip("#"), lang) or [tag.lstrip("#")]


def camel_case(tag: str) -> str:
    """The CamelCase display form of a hashtag: `camel_case('sunsetlover') == '#SunsetLover'`.

    The one display path is `taglens.text.display.camel_case` (initialisms, coined compounds,
    corpus-attested cased forms); `Segmenter.camel_case` is the bare join of the words.
    """
    from taglens.text.display import camel_case as display_camel_case

    return display_camel_case(tag)


class _CallableModule(types.ModuleType):
    """Lets `taglens.text.segment` be called like the function it is named after.

    Why: the package exports `segment(tag)`, but `taglens.text.segment` is also
    this module; a plain re-export would shadow the module on the package and
    break `import taglens.text.segment`. A callable module serves both.
    """

    def __call__(self, tag: str) -> list[str]:
        return segment(tag)


sys.modules[__name__].__class__ = _CallableModule

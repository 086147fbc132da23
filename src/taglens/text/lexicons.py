"""Hashtag segmentation in other languages: `#atardecerenlaplaya` -> atardecer en la playa.

The English segmenter (`text/segment.py`) is a learned ranker over English and
Google Web statistics; it reads `#pordosol` as 'pordo sol'. For the languages
listed here taglens ships a lexicon (the 60k most frequent words of wordfreq's
list for that language, `data/segment/lang/<code>.npz`, built by
scripts/build_language_lexicons.py) and segments with a unigram model searched
exactly (Viterbi):

* cost of a word = -log10 P(word); an unknown span costs `UNKNOWN_BASE` plus
  `UNKNOWN_PER_CHAR` per letter, so a long tag of known words splits into them
  and a name the lexicon lacks stays whole;
* accents are optional: the lexicon is also indexed without them, since people
  tag #pordosol for 'pôr do sol' and #cafe for 'café';
* the tag's own boundaries are kept: CamelCase, digits and underscores split
  first (#AtardecerEnLaPlaya is already segmented), and the output words are
  slices of the input, so the case and accents the author wrote are kept.

`camel_case_in(tag, lang)` capitalises each word with the language's own rules
(Turkish dotted i: 'istanbul' -> 'İstanbul'; Dutch 'ij' -> 'IJ'), keeping the rest
of each word as written.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib import resources

import numpy as np
import regex

LEXICON_LANGUAGES = ("de", "es", "fr", "id", "it", "nl", "pt", "tr")
UNKNOWN_BASE = 9.0
UNKNOWN_PER_CHAR = 1.0
MAX_WORD = 30
_CHUNK = regex.compile(r"\p{Lu}?\p{Ll}+(?:\p{M}+\p{Ll}*)*|\p{Lu}+(?!\p{Ll})|\p{N}+|[\p{L}\p{M}]+")


class LexiconSegmenter:
    """Unigram Viterbi segmentation over one language's word frequencies."""

    def __init__(self, lang: str, words: list[str], logp: np.ndarray) -> None:
        self.lang = lang
        cost: dict[str, float] = {}
        for word, lp in zip(words, logp.astype(np.float64), strict=True):
            for form in {word, _fold(word)}:
                cost[form] = min(cost.get(form, np.inf), -float(lp))
        self.cost = cost
        self.max_word = min(MAX_WORD, max((len(w) for w in cost), default=1))

    def segment(self, tag: str) -> list[str]:
        """The words of `tag` ('#' dropped), as slices of it."""
        body = tag.lstrip("#＃")
        out: list[str] = []
        for part in regex.split(r"_+", body):
            for chunk in _CHUNK.findall(part):
                out += self._chunk(chunk) if chunk.isalpha() else [chunk]
        return out

    def _chunk(self, chunk: str) -> list[str]:
        low = chunk.casefold() if len(chunk.casefold()) == len(chunk) else chunk.lower()
        n = len(low)
        best = [0.0] + [np.inf] * n
        back = [0] * (n + 1)
        for j in range(1, n + 1):
            for i in range(max(0, j - self.max_word), j):
                piece = low[i:j]
                c = self.cost.get(piece)
                if c is None:
                    c = self.cost.get(_fold(piece))
                if c is None:
                    c = UNKNOWN_BASE + UNKNOWN_PER_CHAR * len(piece)
                if best[i] + c < best[j]:
                    best[j], back[j] = best[i] + c, i
        spans: list[tuple[int, int]] = []
        j = n
        while j > 0:
            spans.append((back[j], j))
            j = back[j]
        return [chunk[i:j] for i, j in reversed(spans)]


def _fold(word: str) -> str:
    """Without accents: 'pôr' -> 'por'."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=len(LEXICON_LANGUAGES))
def segmenter_for(lang: str | None) -> LexiconSegmenter | None:
    """The segmenter of `lang` (ISO 639-1), or None where taglens ships no lexicon for it."""
    if lang not in LEXICON_LANGUAGES:
        return None
    path = resources.files("taglens").joinpath(f"data/segment/lang/{lang}.npz")
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as z:
        words = bytes(z["words"]).decode("utf-8").split("\n")
        return LexiconSegmenter(lang, words, z["logp"])


def segment_in(tag: str, lang: str | None) -> list[str]:
    """Words of `tag` with `lang`'s lexicon; the English segmenter for other languages."""
    segmenter = segmenter_for(lang)
    if segmenter is None:
        from taglens.text.segment import segment

        return list(segment(tag))
    return segmenter.segment(tag)


def capitalise(word: str, lang: str | None) -> str:
    """`word` with its first letter upper-cased the way `lang` writes it; the rest as written."""
    if not word:
        return word
    if lang in ("tr", "az") and word[0] == "i":
        return "İ" + word[1:]
    if lang == "nl" and word[:2].lower() == "ij":
        return "IJ" + word[2:]
    return word[0].upper() + word[1:]


def camel_case_in(tag: str, lang: str | None) -> str:
    """'#atardecerenlaplaya', 'es' -> '#AtardecerEnLaPlaya'; a tag with capitals stays as written."""
    body = tag.lstrip("#＃")
    if any(c.isupper() for c in body):
        return "#" + body
    return "#" + "".join(capitalise(w, lang) for w in segment_in(body, lang))

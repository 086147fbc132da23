"""Display forms built on segmentation: CamelCase tags and words per tag.

`#sunsetlover` reads better, and a screen reader says it right, as
`#SunsetLover`. The segmenter is `taglens.text.segment`; this module decides
how its output is shown, for the CLI (`suggest --camel`), the API and the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from taglens.hashtags import display_form, hashtag_key

# A one-word segmentation is split into two known words when the word is rare as a word
# (a hashtag coinage: 'nofilter' 10^-7.4) and not in the dictionary, and the split scores
# within COINED_MARGIN of it; frequent one-word names ('instagram' 10^-4.7) stay whole.
COINED_MAX_LOGP = -6.5
COINED_MARGIN = 2.5
SHORT_PARTS = frozenset({"no", "my", "me", "we", "be", "go", "so", "up", "on", "in", "to", "of", "at", "oh"})


def camel_case(tag: str, lang: str | None = None) -> str:
    """'#sunsetlover' -> '#SunsetLover', '#ootd' -> '#OOTD', '#nofilter' -> '#NoFilter'.

    With the caption's language `lang` (not English), that language's lexicon and capitals
    where taglens has them ('#pordosol', 'pt' -> '#PorDoSol'; text/lexicons.py).

    In order: a tag written with telling capitals (`#iPhone`, `#NYC`, `#LoveYou`) is kept
    as written; a tag whose written form with capitals dominates in real captions
    (data/display/cased_forms.json, scripts/build_cased_forms.py) takes that form; a
    curated brand spelling (data/display/curated.json) is used; else the segmenter's
    words are joined, initialisms in capitals, coined compounds split. A form with only
    its first letter capitalised (`#Nofilter`) says nothing about the words: recomputed.
    """
    shown = display_form(tag)
    body = shown[1:]
    if telling_case(body):
        return shown
    key = hashtag_key(body)
    tables = _tables()
    if key in tables["cased"]:
        return tables["cased"][key]
    if key in tables["forms"]:
        return "#" + tables["forms"][key]
    if lang and lang != "en":
        from taglens.text.lexicons import camel_case_in, segmenter_for

        if segmenter_for(lang) is not None:
            return camel_case_in("#" + (body.lower() if body[:1].isupper() else body), lang)
    words = _display_words(body.lower() if body[:1].isupper() else body)
    return "#" + "".join(_shown_word(w, tables) for w in words)


def telling_case(body: str) -> bool:
    """Capitals that say where words start: inner capitals (`iPhone`, `LoveYou`), or a short
    all-capital tag (`NYC`). A capitalised first letter alone, or a long shout, does not."""
    if not any(c.isupper() for c in body):
        return False
    if body.isupper():
        return sum(c.isalpha() for c in body) <= 5
    return any(c.isupper() for c in body[1:])


def _shown_word(word: str, tables: dict[str, Any]) -> str:
    low = word.lower()
    if low in tables["acronyms"]:
        return word.upper()
    if any(c.isupper() for c in word):
        return word
    return word[:1].upper() + word[1:]


def _display_words(body: str) -> list[str]:
    """The segmenter's words, with coined compounds split and curated coinages kept whole."""
    from taglens.text.segment import Segmenter

    seg = Segmenter.load()
    words = list(seg.segment(body))
    whole = _tables()["whole"]
    merged: list[str] = []
    for word in words:
        if merged and (merged[-1] + word).lower() in whole:
            merged[-1] += word
        else:
            merged.append(word)
    out: list[str] = []
    for word in merged:
        out.extend(_split_coined(seg, word))
    return out


def _split_coined(seg: Any, word: str) -> list[str]:
    """'nofilter' -> ['no', 'filter']: a rare, non-dictionary word spelled by two known words."""
    low = word.lower()
    if not low.isalpha() or len(low) < 6 or low in _tables()["acronyms"]:
        return [word]
    info = seg.word_info(low)
    if info is not None and (info[1] or info[0] > COINED_MAX_LOGP):
        return [word]
    candidates = seg.candidates(word, 8)
    if not candidates:
        return [word]
    best = candidates[0][0]
    for score, parts in candidates:
        if len(parts) == 2 and best - score <= COINED_MARGIN and all(
                seg.word_info(p.lower()) is not None and (len(p) >= 3 or p.lower() in SHORT_PARTS) for p in parts):
            return list(parts)
    return [word]


@lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    folder = resources.files("taglens") / "data" / "display"
    curated = json.loads((folder / "curated.json").read_text(encoding="utf-8"))
    cased = json.loads((folder / "cased_forms.json").read_text(encoding="utf-8"))
    return {"acronyms": frozenset(curated["acronyms"]), "forms": dict(curated["forms"]),
            "whole": frozenset(curated["whole"]), "cased": dict(cased["forms"])}


def segment_tags(tags: list[str]) -> list[dict[str, Any]]:
    """What /v1/segment returns for each tag: its words, case and characters kept as the
    segmenter gives them (the same as `segment()` and `taglens segment`), and its CamelCase form."""
    from taglens.text.segment import segment_many

    shown = [display_form(t) for t in tags]
    return [
        {"tag": tag, "words": list(words), "camel_case": camel_case(tag)}
        for tag, words in zip(shown, segment_many(shown), strict=True)
    ]

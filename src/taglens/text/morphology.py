"""Words of Russian captions in their dictionary form: nouns only, in the nominative.

    noun_lemma("друзьями", "ru") -> 'друг';  noun_lemma("семьёй", "ru") -> 'семья'
    noun_lemma("гуляем", "ru")   -> None (a verb: no tag);  noun_lemma("сочи", "en") -> None

Why: Russian inflects every noun by case, so a caption's words come in the instrumental or
the prepositional ('с друзьями', 'всей семьёй'), and tagging them as written gives #Друзьями
and #Семьёй where people tag #друзья, #семья. pymorphy3 with its Russian dictionary (OpenCorpora,
shipped as the pip package pymorphy3-dicts-ru, MIT) gives each word's part of speech and
normal form; as for Japanese, Chinese and Korean (text/cjk.py), only nouns become tags. A word
the dictionary does not know (a name, slang, a word of another language written in Cyrillic)
is left as written: pymorphy3's guesser would invent a lemma for it (Ukrainian 'Києві' -> 'кий').
Without pymorphy3 (taglens installed without its `full` extra) nothing changes.
"""

from __future__ import annotations

import functools

from taglens.text.language import zipf

LANGUAGES = ("ru",)
MIN_SCORE = 0.3  # pymorphy3's probability of its best parse below which a word is left as written
SURE = 0.5  # a best parse this likely that is no noun ('гуляем', a verb) decides the word


@functools.lru_cache(maxsize=1)
def _analyser():  # noqa: ANN202 - a pymorphy3.MorphAnalyzer, or None
    try:
        import pymorphy3
    except ImportError:
        return None
    try:
        return pymorphy3.MorphAnalyzer(lang="ru")
    except Exception:  # noqa: BLE001 - a missing or broken dictionary package: words stay as written
        return None


def available(lang: str | None) -> bool:
    return lang in LANGUAGES and _analyser() is not None


@functools.lru_cache(maxsize=50_000)
def analyse(word: str, lang: str) -> tuple[str, str | None] | None:
    """(normal form, part of speech) of a word the dictionary knows, else None."""
    if not available(lang):
        return None
    morph = _analyser()
    low = word.lower()
    if not morph.word_is_known(low):
        return None
    parses = morph.parse(low)
    best = parses[0]
    if best.tag.POS != "NOUN" and best.score >= SURE:
        return best.normal_form, best.tag.POS
    nouns = [p for p in parses if p.tag.POS == "NOUN"]
    if nouns:  # 'парку': парка (a parka) 0.20, парк 0.18; the lemma people write more often wins
        return max(nouns, key=lambda p: (zipf(p.normal_form, lang), p.score)).normal_form, "NOUN"
    return (best.normal_form, best.tag.POS) if best.score >= MIN_SCORE else None


def noun_lemma(word: str, lang: str) -> str | None:
    """The nominative of a known noun; None for any other known word (verbs, prepositions,
    adjectives...) and for a word the dictionary does not know."""
    found = analyse(word, lang)
    return found[0] if found and found[1] == "NOUN" else None


def is_known(word: str, lang: str) -> bool:
    return analyse(word, lang) is not None

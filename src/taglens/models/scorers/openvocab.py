"""Open-vocabulary candidates: tags made from the caption itself.

Every other scorer ranks tags it has seen in training. People tag what they
write about: the place they check in at ('@ Abbot Kinney, Venice' ->
#AbbotKinney, #Venice), the names they mention (#DrPepper), the salient words
(#sunset). This scorer turns those into well-formed tags (checked by the one
normaliser's `is_hashtag_body`) with a CamelCase display form, so the generator
can propose a tag no model has seen.

Scores encode the kind of candidate, so the learned combiner can weigh them:
  place (the check-in suffix)        1.0, its last part (a city) 0.9, shorter spans 0.3 .. 0.85
  multi-word name                    0.8
  single capitalised word            0.6
  adjacent content-word pair         0.05 (often a phrase, more often noise; in English only a
                                     possible noun phrase earns a place)
  content word                       0.1 .. 0.4, rarer words higher (wordfreq)
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterator, Sequence
from typing import Any

import regex

from taglens.hashtags import hashtag_key, is_hashtag_body, remove_hashtags
from taglens.models.base import Query, Scores, StatelessScorer, Vocab, register_scorer
from taglens.post import Post
from taglens.text import cjk, morphology
from taglens.text.clean import STOPWORDS, split_location, strip_noise
from taglens.text.language import detect_language, is_stopword, query_language, zipf
from taglens.text.places import gazetteer
from taglens.text.wordclass import noun_phrase

_WORD = regex.compile(r"[\p{L}][\p{L}\p{M}\p{N}'’&]*")
_CAMEL = regex.compile(r"\p{Lu}[\p{Ll}\p{M}\p{N}']*")  # the words of a CamelCase display
PAIR_SCORE = 0.05  # an adjacent content-word pair's candidate score (the kind is in the score)
_SENTENCE_END = regex.compile(r"[.!?:;|\n]")
# Words that are fine prose but poor tags on their own, beyond clean.py's stopwords.
_WEAK = frozenset("day today time new first last good great best happy love night year years week "
                  "weekend thank thanks let us youre like much really back always never yall y'all".split())


def _stop(word: str, lang: str = "en") -> bool:
    """A function word of the caption's language or of English (text/language.py), or a weak word."""
    w = word.lower().replace("’", "'")
    return w in STOPWORDS or w in _WEAK or is_stopword(w, lang)


def _common(word: str, lang: str = "en") -> float:
    """Zipf frequency of a caption word; without wordfreq every word counts as fairly common (4)."""
    return zipf(word, lang, missing=4.0)


def camel(words: Sequence[str]) -> str:
    """'golden gate' -> 'GoldenGate' (a word already mixed-case keeps its case)."""
    parts = []
    for w in words:
        w = w.replace("'", "").replace("’", "").replace("&", "And")
        parts.append(w if any(c.isupper() for c in w[1:]) else w[:1].upper() + w[1:])
    return "".join(parts)


def _words(text: str) -> list[str]:
    return [w.strip("'’") for w in _WORD.findall(text) if w.strip("'’")]


def place_candidates(place: str, lang: str = "en") -> Iterator[tuple[list[str], float]]:
    """The check-in place, its parts and the shorter names people tag it by.

    '@ The Apache Cafe ATL' is tagged #ApacheCafe, '@ Rib Fest London' #RibFest,
    '@ Beautique Dining' #Beautique: so besides each whole part (Swarm's
    'Place in City, ST' counts as parts), its spans are proposed, lower-scored:
    without a leading 'The' 0.85, leading spans 0.5, trailing spans 0.45, single
    words 0.3.
    """
    parts = [p.strip() for p in regex.split(r",|\s[-|–]\s|\sin\s", place) if p.strip()]
    parts = [p for p in parts if not p.endswith("…")]
    for i, part in enumerate(parts):
        words = _words(part)
        if not words or len(words) > 6:
            continue
        if len(words) <= 5:
            yield words, 1.0 if i == 0 else 0.9
        core = words[1:] if words[0].lower() == "the" else words
        if len(core) < len(words) and core:
            yield core, 0.85
        if len(core) < len(words):  # '@ The Mirage Hotel & Casino' is also #TheMirage
            for length in range(2, len(words)):
                yield words[:length], 0.4
        n = len(core)
        for length in range(n - 1, 0, -1):
            for start in range(0, n - length + 1):
                span = core[start:start + length]
                if length == 1:
                    if not _stop(span[0], lang) and len(span[0]) > 2:
                        yield span, 0.3
                elif not _stop(span[0], lang) and not _stop(span[-1], lang):
                    yield span, 0.5 if start == 0 else 0.45 if start + length == n else 0.35


def name_candidates(sentence: str, lang: str = "en") -> Iterator[tuple[list[str], float]]:
    """Runs of capitalised words; a lone one at the sentence start is skipped. A weak word
    (`_WEAK`: 'New', 'Great', 'First') ends a run, unless it and the words after it name a
    place ('New York City' is one name, not 'New' and #YorkCity; 'Last Nutcracker' stays
    #Nutcracker)."""
    words = _words(sentence)
    run: list[tuple[int, str]] = []
    for i, word in enumerate([*words, ""]):
        if word[:1].isupper() and len(word) > 1 and not _function_word(word, lang):
            run.append((i, word))
            continue
        for part in _name_runs(run):
            names = [w for _, w in part]
            if len(names) > 1 and len(names) <= 4:
                yield names, 0.8
            for j, w in part:
                if (j > 0 or len(part) > 1) and not _weak(w):
                    yield [w], 0.6
        run = []


def _name_runs(run: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """A run of capitalised words as names: its stretches between weak words, where a weak word
    and the words after it that name a place are a stretch of their own ('Manhattan New York
    City' -> Manhattan, New York City)."""
    parts, current, i = [], [], 0
    while i < len(run):
        if not _weak(run[i][1]):
            current.append(run[i])
            i += 1
            continue
        if current:
            parts.append(current)
        current = []
        place = next((j for j in range(len(run), i + 1, -1)
                      if gazetteer().place(hashtag_key("".join(w for _, w in run[i:j])))), None)
        if place is not None:
            parts.append(run[i:place])
            i = place
        else:
            i += 1
    return [*parts, current] if current else parts


def _function_word(word: str, lang: str) -> bool:
    """A stopword of the caption's language or of English, not merely a weak word."""
    return _stop(word, lang) and not _weak(word)


def _weak(word: str) -> bool:
    return word.lower().replace("’", "'") in _WEAK


# Scripts written without spaces that no analyser here splits: a run longer than this is a
# phrase or a clause (Thai 'พระอาทิตย์ตกที่ชายหาด', sunset at the beach), not a tag.
_UNSPLIT = regex.compile(r"[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
MAX_UNSPLIT = 6


_POSSESSIVE = regex.compile(r"['’]s$")


def word_candidates(sentence: str, lang: str = "en") -> Iterator[tuple[list[str], float]]:
    """The caption's content words, and adjacent pairs of them. A possessive alone is read as
    its word ("Baby's first steps" -> #baby, not #Babys); a pair keeps it, as people write the
    phrase's tag ("women's rights" -> #womensrights); names keep theirs (name_candidates: #Macys)."""
    written = [w.lower() for w in _words(sentence) if not (len(w) > MAX_UNSPLIT and _UNSPLIT.match(w))]
    words = [_POSSESSIVE.sub("", w) for w in written]
    if morphology.available(lang):  # Russian: known words tag as nouns in the nominative, or not at all
        for w in filter(None, (_russian_word(w, lang) for w in words)):  # no pairs: lemmas do not agree
            yield [w], _word_score(_common(w))
        return
    content = [(w if _content_word(w, lang) else None) for w in words]
    for w in content:
        if w:
            yield [w], _word_score(_common(w))
    for i, (a, b) in enumerate(zip(content, content[1:], strict=False)):
        if a and b:
            yield [written[i], b], PAIR_SCORE


def _content_word(word: str, lang: str) -> bool:
    """A caption word that may be a tag: not short, not a function word, not an everyday word."""
    return len(word) > 2 and not _stop(word, lang) and _common(word) < 5.6 and _everyday(word, lang)


def _word_score(zipf_value: float) -> float:
    """A single word's candidate score: 0.1 for a very common word, up to 0.4 for a rare one."""
    return 0.1 + 0.3 * min(1.0, max(0.0, (6.0 - zipf_value) / 4.0))


def _russian_word(word: str, lang: str) -> str | None:
    """A known noun as its nominative ('семьёй' -> 'семья'), kept unless it is a function word or
    as common as 'день' (Zipf >= 5.6 in the language, the bar CJK nouns meet); a known word of
    another part of speech ('гуляем') is no tag; an unknown one (a name) is read as before."""
    if morphology.is_known(word, lang):
        lemma = morphology.noun_lemma(word, lang)
        return lemma if lemma and len(lemma) > 2 and not _stop(lemma, lang) and _common(lemma, lang) < 5.6 else None
    return word if _content_word(word, lang) else None


def cjk_candidates(sentence: str, lang: str) -> Iterator[tuple[list[str], float]]:
    """The nouns of a sentence's Japanese, Chinese or Korean runs (text/cjk.py), scored as
    `word_candidates` scores a word by its rarity in that language; a run of nouns is also
    proposed whole (#誕生日ケーキ), as two words are there."""
    for run in cjk.RUN.findall(sentence):
        code = cjk.script_language(run, lang) or "zh"
        for nouns in cjk.nouns(run, code):
            content = [w for w in nouns if not _stop(w, code) and _common(w, code) < 5.6]
            for w in content:
                yield [w], _word_score(_common(w, code))
            if 1 < len(nouns) <= cjk.MAX_COMPOUND and len(content) == len(nouns):
                yield nouns, PAIR_SCORE


def _everyday(word: str, lang: str) -> bool:
    """False for a word so common in the caption's own language that it says nothing
    ('dia', 'muy'), though it is rare in English."""
    return lang == "en" or _common(word, lang) < 5.0


def caption_candidates(text: str, lang: str | None = None) -> dict[str, tuple[str, float]]:
    """Key -> (CamelCase display, score) for the tags a caption suggests, best kept.

    `lang` is the caption's language (detected when None): none of its function
    words, nor any English one, becomes a tag (#Mis, #Meus, #Mit, #Pôr).
    """
    lang = lang or detect_language(text)[0]
    body, place = split_location(html.unescape(remove_hashtags(text)))
    body = strip_noise(body)
    sources: list[tuple[list[str], float]] = []
    if place:
        sources.extend(place_candidates(place, lang))
    for sentence in _SENTENCE_END.split(body):
        if cjk.available() and cjk.has_cjk(sentence):  # Japanese, Chinese, Korean: their analysers' nouns
            sources.extend(cjk_candidates(sentence, lang))
            sentence = cjk.RUN.sub(" ", sentence)
        sources.extend(name_candidates(sentence, lang))
        sources.extend(word_candidates(sentence, lang))
    out: dict[str, tuple[str, float]] = {}
    base = gazetteer().base_forms
    for words, score in sources:
        name = base.get(hashtag_key("".join(words))) if base and not words[0].isascii() else None
        if name:  # 'в Москве' -> #Москва: the name people tag, not its case form
            words = _words(name)
        display = camel(words)
        if not is_hashtag_body(display):
            continue
        key = hashtag_key(display)
        if key not in out or out[key][1] < score:
            out[key] = (display, score)
    return out


def _earns_place(key: str, display: str, score: float, vocab: Vocab, lang: str = "en") -> bool:
    """A caption word becomes a tag when people tag it (in the vocabulary, or as the end of
    other tags: `_tag_head`), or it is a name, a place or a phrase (an English pair only when
    it can be a noun phrase, text/wordclass.py: #ChessTournament, not #GirlStarted); a plain
    word nobody tagged (#Rainy) does not. A noun of a
    Japanese, Chinese or Korean caption does (#桜, #夜景): its analyser read it as a noun, and
    no corpus of those languages could say whether people tag it."""
    if key in vocab or cjk.has_cjk(display):
        return True
    if score == PAIR_SCORE and lang == "en":
        words = _CAMEL.findall(display)
        if len(words) == 2 and not noun_phrase(*words):
            return False  # 'girl started', 'cat knocked': no noun phrase, no tag (#staytuned is in the vocabulary)
    single_word = sum(1 for c in display if c.isupper()) <= 1
    if not single_word or score >= 0.28:  # names (0.6), check-in parts (0.3+), rare words (Zipf < 3.3)
        return True
    from taglens.text.tagkinds import lexical_kind

    if lexical_kind(key) == "place":  # 'Mumbai street food': a place opening the caption
        return True
    return _tag_head(key, vocab, lang)


HEAD_TAGS = 2  # a word that ends this many vocabulary tags is what people tag (#halfmarathon, #bostonmarathon)
HEAD_ZIPF = 4.3  # ... when it is a specific word: 'marathon' (4.2), 'canyon'; not 'matter' (5.4), 'tons' (4.5)
HEAD_PREFIX = 3  # letters before it in such a tag


def _tag_head(key: str, vocab: Vocab, lang: str = "en") -> bool:
    """A word nobody tagged alone but that ends at least `HEAD_TAGS` vocabulary tags, and is
    rarer than `HEAD_ZIPF` (a specific thing, not 'matter' of #itdoesntmatter): people tag
    #halfmarathon and #marinecorpsmarathon, so a caption about a marathon earns #marathon."""
    return len(key) >= 4 and _common(key, lang) < HEAD_ZIPF and _heads(vocab).get(key, 0) >= HEAD_TAGS


def _heads(vocab: Vocab) -> dict[str, int]:
    """For each ending of 4+ letters, how many vocabulary tags end with it after at least
    `HEAD_PREFIX` letters (once per vocabulary: about 35 ms for the default model's 27,970 tags)."""
    cached = getattr(vocab, "_openvocab_heads", None)
    if cached is None:
        counts: dict[str, int] = {}
        for tag in vocab.keys:
            for start in range(HEAD_PREFIX, len(tag) - 3):
                ending = tag[start:]
                counts[ending] = counts.get(ending, 0) + 1
        cached = counts
        vocab._openvocab_heads = cached  # type: ignore[attr-defined]  # a cache, not state
    return cached


@register_scorer
class OpenVocabScorer(StatelessScorer):
    """Tags built from the caption's places, names and key words; needs no training."""

    name = "openvocab"

    def __init__(self, limit: int = 30, **params: Any) -> None:
        super().__init__(limit=limit, **params)
        self.limit = int(limit)

    def fit(self, posts: Sequence[Post], vocab: Vocab) -> None:
        """Nothing to learn: candidates come from the caption alone."""

    def score(self, query: Query, vocab: Vocab) -> Scores:
        given = set(query.given)
        lang = query_language(query)[0]
        found = caption_candidates(query.post.text, lang)
        ranked = sorted(found.items(), key=lambda kv: -kv[1][1])
        out: Scores = {}
        for key, (display, score) in ranked:
            if key in given or not _earns_place(key, display, score, vocab, lang):
                continue
            out[key] = score
            if key not in vocab:
                query.displays.setdefault(key, "#" + display)
            if len(out) >= self.limit:
                break
        return out

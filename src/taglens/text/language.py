"""The one language and stopword module: which language a caption is in, and
which of its words are function words that must never become a tag.

    detect_language("Pôr do sol na praia com meus amigos")  -> ("pt", 0.99)
    detect_language("sunset")                                -> ("en", 0.28)  (short, English words)
    detect_language("Guten Morgen")                          -> ("und", 0.47) (too short to tell)
    is_stopword("meus", "pt") -> True;  is_stopword("dia", "pt") -> False (a reviewed exception)
    query_language(query) -> the post's (code, confidence), computed once per Query

Why these choices:
- py3langid ships its model (nothing to download) and is restricted to the
  languages taglens' users write in (`SUPPORTED`): among all 140 labels, short
  captions land on Sotho, Luganda or Scottish Gaelic ('lol' -> 'st', 'beach day'
  -> 'gd'); among the supported set they land where people actually write.
- Hashtags, mentions, URLs, emoji and the `@ Place` check-in are removed before
  detection: they are names, not prose, and an English tag on a Portuguese
  caption says nothing about its language.
- Below `MIN_CONFIDENCE` a caption is 'und' (undetermined); a short caption whose
  words are all common English words is English unless the identifier is sure:
  the English default is right for 'pizza night' (py3langid: Italian, 0.55), and
  'und' is honest for 'Guten Morgen'. 'und' still gets the English function words.
- Stopwords: stopwordsiso's list for the caption's language, plus English
  function words always (mixed captions and English tags are everywhere), minus
  a reviewed exception list (data/language/stopword_exceptions.txt): content words
  people do tag ('dia', 'tag', 'home', 'new') are kept, a few colloquial function
  words the lists miss ('pôr', 'pra') are added.

This module is the single source for language and stopwords in new code;
`text.clean.STOPWORDS` stays as the trained models' tokeniser list (changing it
would change what the shipped model was trained on).
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from typing import TYPE_CHECKING

import regex

from taglens.hashtags import remove_hashtags
from taglens.text import cjk

if TYPE_CHECKING:  # text/ may use the ground-floor Query; only for the hint here
    from taglens.query import Query

UNDETERMINED = "und"
DEFAULT_LANGUAGE = "en"
MIN_CONFIDENCE = 0.5
SHORT_WORDS = 4  # up to this many words, common English words win over a weak guess
SHOUTED = 0.7  # this share of capitals: the caption is classified in lower case
# a weak guess (below MIN_CONFIDENCE) is settled by the words' frequencies (`_words_decide`)
WORD_CANDIDATES, WORD_CANDIDATE, WORD_ZIPF, WORD_MARGIN = 3, 0.1, 3.0, 0.5
# The languages captions are classified into (ISO 639-1): the UMSAB tweet languages
# (ar de en es fr hi it pt), Indonesian (the real Instagram posts), and the other
# large Instagram languages; Greek, Hebrew and Thai have scripts of their own, so adding them
# moves no caption in another script (before, Thai was read as Indonesian, Greek as undetermined).
SUPPORTED = ("en", "es", "pt", "de", "fr", "it", "ar", "hi", "id", "nl", "tr", "ru", "ja", "ko", "zh",
             "pl", "sv", "el", "he", "th")
CACHE_KEY = "language"

_LETTER = regex.compile(r"\p{L}")
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*")

# English closed-class words: pronouns, determiners, prepositions, conjunctions,
# auxiliaries and particles. Checked for every caption, whatever its language.
ENGLISH_FUNCTION_WORDS = frozenset("""
a an the this that these those some any each every either neither no none all both few many much more most
other another such what which who whom whose whatever whichever whoever
i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its itself
we us our ours ourselves they them their theirs themselves one ones
im i'm ive i've ill i'll id i'd youre you're youve you've youll you'll hes he's shes she's its it's
were we're weve we've theyre they're thats that's theres there's whats what's lets let's
am is are was were be been being have has had having do does did doing done
will would shall should can could may might must ought
isnt isn't arent aren't wasnt wasn't werent weren't dont don't doesnt doesn't didnt didn't
wont won't wouldnt wouldn't cant can't couldnt couldn't shouldnt shouldn't havent haven't hasnt hasn't
about above across after against along among around as at before behind below beneath beside besides
between beyond by despite down during except for from in inside into near of off on onto out over past
per since than through throughout till to toward towards under underneath unlike until up upon via with
within without
and but or nor so yet if then else because although though unless whereas while whether when whenever
where wherever why how however also too very just only even still already not
here there now again ever never always often sometimes soon
oh ah yeah yes ok okay lol omg rt amp via u ur r
gonna wanna gotta
""".split())


@functools.lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    """py3langid restricted to SUPPORTED, loaded once (about 1 s); None when not installed."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:  # pragma: no cover - py3langid is in taglens[full]
        return None
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in SUPPORTED if code in set(identifier.labels)])
    return identifier


def prose(text: str) -> str:
    """The caption's own prose: no tags, mentions, URLs, emoji or `@ Place` check-in."""
    from taglens.text.clean import split_location, strip_noise

    body, _place = split_location(text or "")
    return strip_noise(remove_hashtags(strip_noise(body)))


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, confidence) of a caption; ('und', conf) when it cannot tell."""
    body = prose(text)
    if not _LETTER.search(body):
        return UNDETERMINED, 0.0
    identifier = _identifier()
    if identifier is None:  # pragma: no cover
        return UNDETERMINED, 0.0
    if _shouted(body):  # py3langid's n-grams are mostly lower case: 'FINISCE LA POLITICA' read as Portuguese
        body = body.casefold()
    code, confidence = identifier.classify(body)
    hinglish = _hinglish_confidence(body, str(code), float(confidence))
    if hinglish is not None:  # romanised Hindi: py3langid has no class for it
        return "hi", hinglish
    short = len(_WORD.findall(body)) <= SHORT_WORDS
    if code != DEFAULT_LANGUAGE and short and confidence < 0.9 and _all_common_english(body):
        return DEFAULT_LANGUAGE, float(confidence)  # 'pizza night' is not Italian
    if confidence >= MIN_CONFIDENCE or code == DEFAULT_LANGUAGE:
        return str(code), float(confidence)
    words = _words_decide(body, identifier)
    if words is not None:  # 'Hoje tem' (pt 0.45, pl 0.34): every word is everyday Portuguese
        return words, float(confidence)
    return UNDETERMINED, float(confidence)


def _shouted(body: str) -> bool:
    """Most cased letters are capitals (a shouted caption)."""
    cased = [c for c in body if c.isupper() or c.islower()]
    return len(cased) >= 8 and sum(c.isupper() for c in cased) >= SHOUTED * len(cased)


def _words_decide(body: str, identifier) -> str | None:  # noqa: ANN001 - py3langid's identifier
    """A weak guess settled by the words: among py3langid's likely languages (probability at
    least `WORD_CANDIDATE`), the one whose everyday vocabulary the caption is, by the mean Zipf
    frequency of its words in each (wordfreq), when that mean is at least `WORD_ZIPF` and beats
    every other likely language's by `WORD_MARGIN`. Short captions are where py3langid is
    unsure ('Hoje tem': pt 0.45, pl 0.34) and where one common word per language settles it;
    a caption of names and slang ('Forza Beppeeeeee') stays undetermined."""
    frequency = word_frequencies()
    words = [w.casefold() for w in _WORD.findall(body)]
    if frequency is None or len(words) < 2:
        return None
    likely = [str(c) for c, p in identifier.rank(body)[:WORD_CANDIDATES] if p >= WORD_CANDIDATE]
    means = {c: sum(frequency(w, c) for w in words) / len(words) for c in likely if c in WORDFREQ_LANGS}
    if not means:
        return None
    best = max(means, key=means.get)
    rest = max((v for c, v in means.items() if c != best), default=0.0)
    return best if means[best] >= WORD_ZIPF and means[best] >= rest + WORD_MARGIN else None


# -- romanised Hindi (Hinglish) --------------------------------------------------
# A word-level naive Bayes learned by scripts/build_hinglish.py from the UMSAB Hindi
# train split (Latin-script lines) against Latin-script tweets of six other languages
# and TweetEval (data/language/hinglish.json). It only overrules py3langid where
# py3langid has nothing better: Latin script, and not a confident European language.
_SURE_LATIN = frozenset({"es", "pt", "fr", "de", "it", "nl", "sv", "pl", "tr"})
_HINGLISH_WORD = regex.compile(r"[a-z]+")
# py3langid this sure is right more often than the word model: on real Instagram captions the
# model took 5 % (English shop texts, Indonesian) at confidence 0.9999+; at this cut 1 %,
# while 0.596 of the UMSAB Hindi val's Latin lines stay Hinglish (0.657 without it).
SURE_ANY = 0.99


def hinglish_words(text: str) -> list[str]:
    """Lower-cased ASCII words, as the Hinglish model reads a caption."""
    return _HINGLISH_WORD.findall(text.casefold())


def hinglish_score(text: str, ratios: dict[str, float], min_words: int = 2) -> float:
    """Sum of the known words' log-likelihood ratios; -inf with fewer than `min_words`
    words that lean Hinglish (one 'hai' is not a language)."""
    words = set(hinglish_words(text))
    known = [ratios[w] for w in words if w in ratios]
    if sum(r > 0 for r in known) < min_words:
        return float("-inf")
    return float(sum(known))


@functools.lru_cache(maxsize=1)
def _hinglish_model() -> dict | None:
    try:
        text = resources.files("taglens").joinpath("data/language/hinglish.json").read_text("utf-8")
    except (FileNotFoundError, OSError):  # pragma: no cover - shipped with taglens
        return None
    return json.loads(text)


def _hinglish_confidence(body: str, code: str, confidence: float) -> float | None:
    """The confidence that `body` is romanised Hindi, or None when it is not (or not ours to say)."""
    model = _hinglish_model()
    if model is None or (code in _SURE_LATIN and confidence >= 0.9) or confidence >= SURE_ANY:
        return None
    letters = [c for c in body if c.isalpha()]
    if not letters or sum(c.isascii() for c in letters) < 0.9 * len(letters):
        return None
    margin = hinglish_score(body, model["ratios"], int(model.get("min_words", 2))) - float(model["threshold"])
    if margin <= 0:
        return None
    return 0.5 + 0.5 * math.tanh(margin / 4.0)


def _all_common_english(body: str) -> bool:
    """Every word is common in English and not more common in another language we detect.

    'pizza night', 'beach day' and 'sunset' are English; 'Guten Morgen' is not
    ('guten' is rare in English) and 'que dia lindo' is not ('que' is far more
    common in Portuguese).
    """
    words = [w.casefold() for w in _WORD.findall(body)]
    if not words:
        return False
    frequency = word_frequencies()
    if frequency is None:  # pragma: no cover - wordfreq is in taglens[full]
        return all(w in ENGLISH_FUNCTION_WORDS for w in words)
    for word in words:
        english = frequency(word, "en")
        if english < 3.0:
            return False
        if any(frequency(word, other) > english + 0.5 for other in ("es", "pt", "de", "fr", "it", "id")):
            return False
    return True


@functools.lru_cache(maxsize=1)
def word_frequencies():  # type: ignore[no-untyped-def]
    """`zipf` (below) when wordfreq is installed, else None: for callers whose rule has a
    fallback without frequencies. The one look-up path for word frequencies in taglens."""
    try:
        import wordfreq  # noqa: F401
    except ImportError:  # pragma: no cover - wordfreq is in taglens[full]
        return None
    return zipf


def query_language(query: "Query") -> tuple[str, float]:
    """The post's language, detected once and kept in the Query's cache under 'language'.

    Scorers, filters and the output all read it from there, so they agree.
    """
    return query.cached(CACHE_KEY, lambda: detect_language(query.post.text))


# -- stopwords -----------------------------------------------------------------
def _normal(word: str) -> str:
    return word.casefold().replace("’", "'").strip("'")


@functools.lru_cache(maxsize=1)
def _reviewed() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(keep, stop): per language ('*' = all) the reviewed exceptions and additions."""
    keep: dict[str, set[str]] = {}
    stop: dict[str, set[str]] = {}
    text = resources.files("taglens").joinpath("data/language/stopword_exceptions.txt").read_text("utf-8")
    for line in text.splitlines():
        parts = line.split(None, 3)
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) < 3 or parts[0] not in ("keep", "stop"):
            raise ValueError(f"stopword_exceptions.txt: bad line {line!r}")
        target = keep if parts[0] == "keep" else stop
        target.setdefault(parts[1], set()).add(_normal(parts[2]))
    return ({k: frozenset(v) for k, v in keep.items()}, {k: frozenset(v) for k, v in stop.items()})


@functools.lru_cache(maxsize=64)
def stopwords(lang: str) -> frozenset[str]:
    """The stopwords of one language (after the reviewed exceptions), English function words included."""
    keep, stop = _reviewed()
    words: set[str] = set(ENGLISH_FUNCTION_WORDS)
    listed = _stopwordsiso(DEFAULT_LANGUAGE if lang in (UNDETERMINED, "", None) else lang)
    words |= {_normal(w) for w in listed}
    words |= stop.get("*", frozenset()) | stop.get(lang, frozenset())
    words -= keep.get("*", frozenset()) | keep.get(lang, frozenset())
    return frozenset(words)


def _stopwordsiso(lang: str) -> set[str]:
    try:
        import stopwordsiso
    except ImportError:  # pragma: no cover - stopwordsiso is in taglens[full]
        return set()
    return set(stopwordsiso.stopwords(lang)) if stopwordsiso.has_lang(lang) else set()


def is_stopword(word: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    """True for a function word of `lang` or of English: it must not become a tag.

    Accents count ('día' and 'dia' are looked up as written, and both are kept);
    a reviewed exception (a content word people tag) is never a stopword.
    """
    return _is_stopword(word, lang or UNDETERMINED) if len(word) <= 64 else _looked_up(word, lang or UNDETERMINED)


def _looked_up(word: str, lang: str) -> bool:
    w = _normal(word)
    return not w or w in stopwords(lang)


# Grounding and the tag-language policy ask about the same candidate words on every
# post (~470 calls a caption): word-sized questions are remembered.
_is_stopword = functools.lru_cache(maxsize=200_000)(_looked_up)


def content_only(words: list[str], lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """The words that are not stopwords of `lang` (nor English function words)."""
    return [w for w in words if not is_stopword(w, lang)]


# The languages whose words a tag or a name may be (the large Latin-script Instagram languages):
# 'sakura' or 'tabaco' is a word somewhere, 'pdx' nowhere.
WORD_LANGUAGES = ("en", "es", "pt", "fr", "de", "it", "id")


def word_zipf(word: str) -> float:
    """How common `word` is in the most common of WORD_LANGUAGES (wordfreq's Zipf scale)."""
    return max(zipf(word, lang) for lang in WORD_LANGUAGES)


# Orthography: languages that write every noun capitalised (case tells a noun, not a name), and
# their articles and article contractions (a noun takes one; a city does not: 'in den Bergen')
NOUN_CASE_LANGUAGES = frozenset({"de", "lb"})
ARTICLES = {"de": frozenset("der die das den dem des ein eine einen einem einer eines im am zum zur vom beim ins "
                            "meine meinen meinem deine unsere".split())}


# wordfreq languages that need no extra tokeniser package (ja, zh, ko need MeCab/jieba)
WORDFREQ_LANGS = frozenset("ar de en es fr hi id it nl pl pt ru sv tr".split())


@functools.lru_cache(maxsize=100_000)
def zipf(words: str, lang: str = "en", missing: float = 0.0) -> float:
    """How common `words` are in `lang` (wordfreq's Zipf scale; 'dia' is rare in English, common
    in Portuguese); 0 for a language without a plain list, `missing` when wordfreq is absent."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is in taglens[full]
        return missing
    if lang not in WORDFREQ_LANGS and not (lang in cjk.LANGUAGES and cjk.available()):
        return 0.0  # wordfreq reads Japanese, Chinese and Korean only with its analysers (text/cjk.py)
    try:
        return float(zipf_frequency(words, lang))
    except Exception:  # noqa: BLE001 - a frequency list must never fail a suggestion
        return 0.0

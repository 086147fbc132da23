"""Which language the suggested tags are in: `--tag-language caption|en|any`.

    any      (default) tags in the caption's language, and English tags that fit the post
             (the multilingual scorer's cross-lingual matches), first; then the rest;
             on a caption the multilingual scorer reads (a language it has posts of, or
             one it matched English tags to), only tags with evidence about it
             (a scorer beyond English-word matches and popularity, a score above 0):
             a short list rather than #sunset #beach on 'Mein Hund schläft auf dem Sofa';
    caption  only tags of the caption's language;
    en       only English tags.

Why a policy after ranking, not inside a scorer: every scorer but `multilingual`
learned from English posts, and on a Portuguese caption they still speak
(#california for a Portuguese beach). Their weights must stay as trained, so that
English posts rank exactly as before; what changes for a non-English caption is
which of the ranked candidates are shown, and in what order. For an English or
undetermined caption every mode is the ranking as it was.

A tag's languages: those whose posts used it (the multilingual scorer's table,
`languages_of`), plus English when the English-trained model's vocabulary holds it
and nothing says otherwise; a tag neither knows (an open-vocabulary caption word)
is read with wordfreq: of language L when it is a word of the caption or more
common in L than in English. Also for a non-English caption: no stopword of its
language nor English function word is shown (`text.language.is_stopword`).

Which scorers read a caption (`silent`): the scorers that learned words from English
posts only (MiniLM, word2vec, GloVe, LDA, TF-IDF and kNN over the English corpus)
are not run on a caption in a language the multilingual scorer has posts of. On
'Pôr do sol na praia' they matched Spanish-speaking Los Angeles tweets
(#vamonospalmonte, #estadosunidos) and cost 18 of the 63 ms it was served in;
English and undetermined captions run them as before, and so do captions in a
language the scorer only matches English tags to (benchmarks/no_corpus_languages.py:
silencing them there too halved the time but lost the vaping posts' code-mixed
English words).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

import regex

from taglens.errors import InputError
from taglens.query import Query
from taglens.text.language import DEFAULT_LANGUAGE, UNDETERMINED, is_stopword, prose, query_language, word_frequencies

_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+")
T = TypeVar("T")
MODES = ("any", "caption", "en")
# scorers whose evidence is English words (their corpus and embeddings are English)
ENGLISH_ONLY = frozenset({"sentence", "knn", "tfidf"})
# evidence that says nothing about a caption in another language: English words matched (the
# scorers above, word2vec, GloVe topics, LDA, the text topic classifier) and how popular a tag is
ENGLISH_WORD_EVIDENCE = ENGLISH_ONLY | {"word2vec", "glove_topic", "lda", "topic", "popularity"}
DEFAULT_MODE = "any"


def parse_tag_language(value: str | None) -> str:
    """The mode, checked: a clear error for anything else."""
    mode = (value or DEFAULT_MODE).strip().lower()
    if mode not in MODES:
        raise InputError(f"unknown tag language {value!r}; choose one of: {', '.join(MODES)}")
    return mode


class TagLanguages:
    """Tag -> languages, from a model's multilingual scorer and its English vocabulary."""

    def __init__(self, languages_of: Callable[[str], list[str]] | None, english: Mapping[str, int],
                 spoken: Iterable[str] = ()) -> None:
        self._languages_of = languages_of or (lambda key: [])
        self.english = english
        self.spoken = frozenset(spoken) - {DEFAULT_LANGUAGE, UNDETERMINED}  # what the multilingual scorer reads

    def silent(self, query: Query) -> frozenset[str]:
        """The scorers not to run on this caption: the English-only ones, when the caption is in
        a language the multilingual scorer reads (they have nothing to say about it). On a
        language it only matches English tags to they still run: such captions mix in English
        words ('Ready stock', 'vape'), and the tag-language policy drops what they alone propose."""
        if not query.post.text:
            return frozenset()
        return ENGLISH_ONLY if query_language(query)[0] in self.spoken else frozenset()

    def of(self, key: str, lang: str, caption_words: frozenset[str]) -> set[str]:
        """The languages tag `key` belongs to, for a caption in `lang` with these words."""
        found = set(self._languages_of(key))
        if key in self.english:
            found.add(DEFAULT_LANGUAGE)
        zipf = word_frequencies()
        if key in caption_words or (zipf is not None and zipf(key, lang) > max(zipf(key, DEFAULT_LANGUAGE), 1.0)):
            found.add(lang)  # a word of the caption, or a word of its language
        if not found and zipf is not None and zipf(key, DEFAULT_LANGUAGE) > 1.0:
            found.add(DEFAULT_LANGUAGE)
        return found

    def arrange(self, ranked: Iterable[T], query: Query, mode: str) -> Iterator[T]:
        """`ranked` (best first; items with a `.key`) as `mode` wants it for this caption's language.

        Lazy: the recommender stops reading once it has enough, so only the head of a long
        candidate list is ever looked up."""
        lang = query_language(query)[0]
        if lang in (DEFAULT_LANGUAGE, UNDETERMINED):
            yield from ranked
            return
        words = _caption_words(query.post.text)
        fits = query.cache.get("multilingual.english_fits", set())  # English tags that mean what it says
        # the multilingual scorer reads this caption: its language's posts, or English tags matched
        # across languages (a language it has no posts of: Indonesian, Dutch, Turkish...)
        read = (lang in self.spoken or bool(fits)) and mode != "en"
        # ('en' asks for English tags, which only the English-trained scorers propose: kept as ranked)
        later: list[T] = []
        for item in ranked:
            if is_stopword(item.key, lang) or (read and not _fits(item)):
                continue
            langs = self.of(item.key, lang, words)
            own = lang in langs or item.key in fits
            if mode == "caption":
                if lang in langs:
                    yield item
            elif mode == "en":
                if DEFAULT_LANGUAGE in langs:
                    yield item
            elif own:
                yield item
            else:
                later.append(item)
        yield from later


def _fits(item: object) -> bool:
    """Whether a ranked tag has evidence about a caption the multilingual scorer reads: a scorer
    beyond English-word matches and popularity (`ENGLISH_WORD_EVIDENCE`), and a combined score
    above 0. On 'Mi perro durmiendo en el sofá' the tags after #Sofá #Perro #Durmiendo were
    #holidays #pasta (word2vec matching English words) and #cake #sea (popularity); on 'Mein Hund
    schläft auf dem Sofa', #sunset #beach, then German show tags the combiner scored below 0.
    Items without evidence (a caller's own ranking) are kept."""
    evidence = getattr(item, "evidence", None)
    if evidence is None:
        return True
    return bool(set(evidence) - ENGLISH_WORD_EVIDENCE) and float(getattr(item, "score", 1.0)) > 0.0


def tag_languages_for(bundle) -> TagLanguages:  # noqa: ANN001 - a ModelBundle (models/ sits below recommend/)
    scorer = next((s for s in bundle.scorers if s.name == "multilingual"), None)
    return TagLanguages(getattr(scorer, "languages_of", None), bundle.vocab.index, getattr(scorer, "languages", ()))


def _caption_words(text: str) -> frozenset[str]:
    from taglens.hashtags import hashtag_key

    return frozenset(hashtag_key(w) for w in _WORDS.findall(prose(text)))



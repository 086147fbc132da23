"""What a post is about, as words, and whether two posts share a subject word.

Two parts of taglens ask "are these posts on the same subject?" and both answer it
with content words, so the words are made here, once:

* grounding (recommend/grounding.py) holds an event, show or community tag to the
  caption's nearest posts *on its subject* (`content_words` of the caption and of
  each neighbour's words, compared by `shares_word`);
* the multilingual scorer (models/scorers/multilingual.py) gates a language's
  community tags the same way (`subject_words` of the caption and of each of its
  training posts, compared by `shares_word`).

A content word is folded (accents and case: 'Pôr' -> 'por'), three letters or more,
not a number and not a stopword of the post's language (the one stopword module,
text/language.py) in its written or its folded form. Grounding also drops English
function words (its neighbours are English tweets beside every language) and a plural
's' ('Pumpkins' -> 'pumpkin'); the multilingual scorer keeps both, since its posts are
all of one language and `shares_word` already matches 'amigo' with 'amigos'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import regex

from taglens.text.language import NOUN_CASE_LANGUAGES, is_stopword, prose
from taglens.text.places import fold

WORDS = regex.compile(r"[\p{L}\p{M}]+")
MIN_LETTERS = 3
MIN_WORD = 4  # shorter words ('sol', 'dia') match only exactly (shares_word)


def content_words(words: Iterable[str], lang: str, *, english: bool = True, stem: bool = True) -> frozenset[str]:
    """Folded content words of `words` in `lang`; `english` also drops English stopwords and
    `stem` a plural 's' (not 'ss': 'glass' stays)."""
    out = set()
    for word in words:
        w = fold(word)
        if len(w) < MIN_LETTERS or w.isdigit() or is_stopword(word, lang) or is_stopword(w, lang) \
                or (english and is_stopword(w, "en")):
            continue
        out.add(w[:-1] if stem and w.endswith("s") and not w.endswith("ss") and len(w) > 3 else w)
    return frozenset(out)


def subject_words(text: str, lang: str, tags: Sequence[str] = (), *, nouns: bool = False) -> frozenset[str]:
    """What one post of language `lang` is about: its prose's content words and its tags
    ('Pôr do sol na praia' -> {'praia'}; 'sol' and 'dia' too short or stopwords stay out unless
    they are tags). Names and show titles are words too: a tweet about #MasterChefBR says
    'masterchef'. `nouns`: of the prose, only the nouns where case tells them (`nouns_by_case`)."""
    words = content_words(WORDS.findall(prose(text)), lang, english=False, stem=False)
    if nouns:
        words = nouns_by_case(text, words, lang)
    return words | {w for w in (fold(t) for t in tags) if len(w) >= MIN_LETTERS and not is_stopword(w, lang)}


def nouns_by_case(text: str, words: frozenset[str], lang: str) -> frozenset[str]:
    """In a language that capitalises its nouns (German), the subject words of a caption written
    in both cases that it writes capitalised: 'Mein Hund liebt den Strand' is about a dog and a
    beach, not about 'liebt', which met a talent show's 'lieben' (#tvog on a dog at the beach).
    A caption written in one case only (tweets often are) says nothing by case: all its words."""
    if lang not in NOUN_CASE_LANGUAGES:
        return words
    tokens = WORDS.findall(text)
    capitalised = {fold(t) for t in tokens[1:] if t[:1].isupper() and not t.isupper()}
    if not capitalised or not any(t[:1].islower() for t in tokens):
        return words
    capitalised.add(fold(tokens[0]))  # a sentence's first word may be a noun as well
    return frozenset(w for w in words if w in capitalised)


def shares_word(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two posts share a content word, up to an inflection: one word the start of the
    other ('amigo'/'amigos', 'freunde'/'freunden', 'masterchef'/'masterchefbr') when the
    shorter has `MIN_WORD` letters or more and makes up three quarters of the longer, or a
    compound's head ('sonnenuntergang'/'sonnenuntergange')."""
    if a & b:
        return True
    for x in a:
        if len(x) < MIN_WORD:
            continue
        for y in b:
            short, long_ = (x, y) if len(x) <= len(y) else (y, x)
            if len(short) >= MIN_WORD and long_.startswith(short[:-1]) and \
                    (len(short) >= 0.75 * len(long_) or (len(short) >= 6 and long_.startswith(short))):
                return True
    return False

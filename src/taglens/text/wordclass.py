"""English word classes (noun, verb, adjective, adverb), from WordNet, for judging phrases.

Why: a two-word tag made from a caption is a phrase people tag when it is a noun phrase
(#chesstournament, #sagegreen, #roastedchicken) and junk when it straddles a verb
(#girlstarted, #catknocked, #startedkindergarten: "Our little girl started kindergarten").
There is no part-of-speech tagger among our dependencies, so a word's possible classes
come from WordNet 3.0's lemmas (data/language/en_word_classes.json, built by
scripts/build_word_classes.py) and WordNet's own suffix rules (morphy): 'started' can only
be a verb, 'coding' a noun, 'runs' a noun or a verb. A word WordNet does not list (a name,
slang, a brand) has no class, and is never judged.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

NOUN, VERB, ADJ, ADV = "n", "v", "a", "r"
# WordNet's morphological rules (its morphy), per part of speech: (suffix, replacement)
_SUFFIXES = {
    NOUN: (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
           ("men", "man"), ("ies", "y")),
    VERB: (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    ADJ: (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    ADV: (),
}


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, frozenset[str]], dict[str, dict[str, str]]]:
    """(lemmas per class, irregular form -> lemma per class), read once."""
    text = resources.files("taglens").joinpath("data/language/en_word_classes.json").read_text("utf-8")
    data = json.loads(text)
    return ({pos: frozenset(words.split()) for pos, words in data["lemmas"].items()},
            {pos: dict(forms) for pos, forms in data["irregular"].items()})


@functools.lru_cache(maxsize=50_000)
def word_classes(word: str) -> frozenset[str]:
    """The classes an English word can belong to ('started' -> {'v'}; 'green' -> {'n', 'v', 'a'});
    empty for a word WordNet does not know."""
    lemmas, irregular = _tables()
    w = word.lower()
    out = set()
    for pos, known in lemmas.items():
        if w in known or w in irregular.get(pos, {}):
            out.add(pos)
            continue
        if any(w.endswith(suffix) and len(w) > len(suffix) + 1 and w[: len(w) - len(suffix)] + repl in known
               for suffix, repl in _SUFFIXES[pos]):
            out.add(pos)
    return frozenset(out)


def noun_phrase(first: str, second: str) -> bool:
    """Whether two adjacent English words can make a noun phrase: the second can be a noun and
    the first a noun or an adjective. A word of no known class passes (names, slang)."""
    a, b = word_classes(first), word_classes(second)
    return (not b or NOUN in b) and (not a or bool(a & {NOUN, ADJ}))

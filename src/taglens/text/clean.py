"""Caption cleaning and tokenisation for the text scorers.

    c = clean("Sunset with @user ️ #GoldenHour https://t.co/x @ Santa Monica Pier")
    c.text        -> "Sunset with #GoldenHour"
    c.location    -> "Santa Monica Pier"
    c.tokens      -> ["sunset"]                       (caption words, tags left out)
    c.hashtags    -> ["goldenhour"]                   (keys of the tags written in it)
    c.words(segment_tags=True) -> ["sunset", "golden", "hour"]

Why a separate location: most TweetEval tweets are Instagram cross-posts that end
in `@ Place` (or Swarm's `(@ Place)`); the place is a strong, clean signal for
tags like #losangeles, but it is not caption prose, so scorers decide how to use
it. Mentions (`@user`) are not a place: a place follows an `@` and a space.

Emoji are removed (the TweetEval emoji were stripped upstream, leaving variation
selectors behind), HTML entities are decoded (`&amp;`), URLs and mentions are
dropped, and a trailing truncation `…` is cut.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from taglens.hashtags import extract_hashtags, remove_hashtags

_URL_RE = regex.compile(r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+", regex.IGNORECASE)
_MENTION_RE = regex.compile(r"(?<![\p{L}\p{N}_])@[\p{L}\p{N}_.]+")
_EMOJI_RE = regex.compile(
    r"[\p{Extended_Pictographic}\p{So}\p{Sk}\p{Emoji_Modifier}\p{Cf}\uFE0E\uFE0F\u20E3]+"
)
# `@ Place` at the end of a cross-post, optionally wrapped as Swarm's `(@ Place)`.
_PLACE_RE = regex.compile(r"(?:^|(?<=\s)|\()@\s+(?P<place>[^@\n]+?)\)?\s*…?\s*$")
_TRUNC_RE = regex.compile(r"\s*(?:…|\.\.\.)\s*$")
# Swarm names companions after the place: `(@ Starbucks - @user` / `(@ Starbucks w/ @user`.
_COMPANION_RE = regex.compile(r"(\(@\s[^@\n]+?)\s+(?:-|w/)\s+@[\p{L}\p{N}_]+.*$")
_WORD_RE = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)*")
_LETTER_RE = regex.compile(r"\p{L}")
_SPACE_RE = regex.compile(r"\s+")

STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i i'm im if in into is it it's its itself just me more most my myself no nor not now
of off on once only or other our ours ourselves out over own same she should so some such than that that's the
their theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves u ur r amp via rt
lol omg get got go going gonna one day today s t ll ve re d m don't can't i've i'll you're we're it's let's
""".split())


@dataclass(frozen=True, slots=True)
class CleanText:
    """A cleaned caption: prose, its word tokens, the tags written in it, the place."""

    text: str
    tokens: tuple[str, ...]
    hashtags: tuple[str, ...]
    location: str | None = None

    @property
    def location_tokens(self) -> tuple[str, ...]:
        return tuple(tokenize(self.location or "", drop_stopwords=True))

    def words(self, segment_tags: bool = True, with_location: bool = False) -> list[str]:
        """Tokens for embedding: caption words, then each written tag's segmentation."""
        out = list(self.tokens)
        if segment_tags:
            for key in self.hashtags:
                out.extend(content_words(key))
        if with_location:
            out.extend(self.location_tokens)
        return out


def split_location(text: str) -> tuple[str, str | None]:
    """(caption, place) for a cross-post ending in `@ Place`; (text, None) otherwise."""
    checkin = _COMPANION_RE.sub(r"\1", text)  # the check-in without Swarm's companions
    match = _PLACE_RE.search(checkin)
    if match is None:
        return text, None
    text = checkin
    place = _TRUNC_RE.sub("", match.group("place")).strip(" ,.")
    place = _EMOJI_RE.sub(" ", place).strip()
    if not place or not _LETTER_RE.search(place):
        return text[: match.start()].rstrip(" (("), None
    return text[: match.start()].rstrip(" ("), _SPACE_RE.sub(" ", place)


def strip_noise(text: str) -> str:
    """Decode HTML entities; drop URLs, mentions, emoji and a trailing truncation mark."""
    text = html.unescape(text or "")
    text = _URL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = _EMOJI_RE.sub(" ", text)
    text = _TRUNC_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def tokenize(text: str, drop_stopwords: bool = True) -> list[str]:
    """Lowercase word tokens with at least one letter (numbers alone say little)."""
    out = []
    for word in _WORD_RE.findall(text.casefold()):
        word = word.replace("’", "'").removesuffix("'s")
        if len(word) < 2 or not _LETTER_RE.search(word):
            continue
        if drop_stopwords and word in STOPWORDS:
            continue
        out.append(word)
    return out


def clean(text: str, drop_stopwords: bool = True) -> CleanText:
    """Clean one caption; never raises on odd input (empty, emoji only, HTML)."""
    text = html.unescape(text or "")
    body, place = split_location(text)
    body = strip_noise(body)
    tags = tuple(t.key for t in extract_hashtags(body))
    prose = remove_hashtags(body)
    return CleanText(text=body, tokens=tuple(tokenize(prose, drop_stopwords)), hashtags=tags,
                     location=place)


@functools.lru_cache(maxsize=200_000)
def segment_tag(key: str) -> tuple[str, ...]:
    """Words of a hashtag key ('goldenhour' -> ('golden', 'hour')).

    Uses taglens' segmenter when installed in this tree, else `wordsegment`, else
    splits on underscores and digits only, so that scoring never fails for want
    of a segmenter.
    """
    key = key.lstrip("#").casefold()
    if not key:
        return ()
    words = _segmenter()(key)
    if isinstance(words, str):
        words = words.split()
    out = tuple(w for w in (str(x).casefold() for x in words) if w and _LETTER_RE.search(w))
    return out or (key,)


def content_words(key: str) -> tuple[str, ...]:
    """A tag's segmented words without stopwords ('thebroad' -> ('broad',)): what
    embedding scorers read, since 'the' or 'of' would pull every tag together."""
    words = segment_tag(key)
    kept = tuple(w for w in words if w not in STOPWORDS)
    return kept or words


@functools.lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    try:
        from taglens.text.segment import segment

        return segment
    except ImportError:
        pass
    try:
        import wordsegment

        wordsegment.load()
        return wordsegment.segment
    except ImportError:
        return lambda key: [w for w in regex.split(r"[_\d]+", key) if w]


def tag_words(keys: Iterable[str]) -> list[str]:
    """All words of the segmentations of some tag keys, in order."""
    out: list[str] = []
    for key in keys:
        out.extend(content_words(key))
    return out


def tag_token(key: str) -> str:
    """The token a tag gets in an embedding vocabulary: '#' + key, apart from words."""
    return "#" + key


def post_words(text: str, tags: Sequence[str], *, segment_tags: bool = True,
               with_location: bool = True) -> list[str]:
    """Everything a text scorer reads from a post: caption, place and tag words."""
    c = clean(text)
    words = c.words(segment_tags=segment_tags, with_location=with_location)
    extra = [k for k in tags if k not in c.hashtags]
    if segment_tags:
        words.extend(tag_words(extra))
    return words

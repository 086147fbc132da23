"""The words of a caption a profile keeps: what the per-user word -> own-tag association reads.

Why words and not the caption: the association needs only which content words a
post had (a bag, sorted, deduplicated), not their order or the sentence, so a
profile stores no more of the user's prose than it needs to rank. Hashtags are
removed first (at suggestion time the tag being predicted is not in the caption,
so a past post's own #DataFeminism must not count as a word for #datafeminism);
@mentions are kept as words (`@proleptic`), because who a user writes with
often says which of their tags follows.
"""

from __future__ import annotations

import regex

from taglens.hashtags import remove_hashtags

MAX_WORDS = 200
MAX_WORD_CHARS = 40
_MENTION_RE = regex.compile(r"(?<![\p{L}\p{N}_])@([\p{L}\p{N}_.]+)")


def caption_words(text: str | None) -> list[str]:
    """The sorted set of content words and @mentions of `text` (at most MAX_WORDS)."""
    from taglens.text.clean import strip_noise, tokenize

    if not text:
        return []
    body = remove_hashtags(text)
    mentions = {"@" + m.casefold().rstrip(".") for m in _MENTION_RE.findall(body)}
    words = set(tokenize(strip_noise(body))) | {m for m in mentions if len(m) > 1}
    return sorted(w for w in words if len(w) <= MAX_WORD_CHARS)[:MAX_WORDS]

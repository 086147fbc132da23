"""Build `src/taglens/data/segment/lexicon.npz`, the segmenter's word statistics.

Why a derived file: the segmenter must load in well under a second with no
network and without `wordsegment` installed, so we ship one compact npz holding

* `words`: the lexicon (lower-case, letters/digits, at least one letter),
  '\\n'-joined UTF-8 bytes;
* `wf`: log10 frequency from `wordfreq` (large English list: Twitter, Reddit,
  Wikipedia, subtitles, news, books), NaN when absent;
* `g`: log10 relative frequency from the Google Web Trillion Word unigrams
  (as redistributed by `wordsegment`), NaN when absent;
* `bigrams` / `bigram_logp`: log10 P(w2 | w1) from the same corpus's bigrams;
* `parts`: the fewest common words (2-4) the word splits into, 0 when it does
  not: `throwbackthursday` -> 2. wordfreq's Twitter data holds many run-together
  hashtags; this lets the ranker tell them from real words;
* `reach4_*` / `reach6_*`: the longest word for each 4- and 6-letter prefix
  (the search's look-up bound), stored so loading need not compute them;
* `in_dict`: 1 when the word is in `wordsegment`'s English word list (a
  Scrabble-style dictionary): it tells `bailout` (a word) from `homerun` (two).
* `tweet_bigrams` / `tweet_bigram_logc`: word pairs written as two words at
  least twice in real social-media captions (TweetEval emoji **train** split,
  `../shared/data/tweeteval-emoji/train_text.txt`), log10 count; both words in
  the lexicon. Google's bigram list keeps only its top pairs, so informal
  pairs ('real talk', 'no filter', 'comic con') are missing there.

Run: `.venv/bin/python scripts/build_segment_lexicon.py [--shared ../shared]`
"""

from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import wordfreq
import wordsegment

from taglens.text.segment import _prefix_reach

OUT = Path(__file__).resolve().parents[1] / "src" / "taglens" / "data" / "segment" / "lexicon.npz"
WORD_RE = re.compile(r"^(?=.*[a-z])(?!.*[0-9]{2})[a-z0-9]{1,30}$")  # wordfreq smashes multi-digit runs to 0s: drop those
MIN_WF = 1e-8  # wordfreq floor; everything in the large list is above it


def _google_unigrams() -> dict[str, int]:
    path = Path(wordsegment.__file__).with_name("unigrams.txt")
    out: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, count = line.split("\t")
        if WORD_RE.match(word):
            out[word] = int(count)
    return out


def _google_bigrams(unigrams: dict[str, int]) -> dict[str, float]:
    path = Path(wordsegment.__file__).with_name("bigrams.txt")
    out: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        pair, count = line.split("\t")
        w1, _, w2 = pair.partition(" ")
        if w1 in unigrams and WORD_RE.match(w2):
            out[pair] = math.log10(int(count) / unigrams[w1])
    return out


def _dictionary() -> set[str]:
    path = Path(wordsegment.__file__).with_name("words.txt")
    return set(path.read_text(encoding="utf-8").split())


COMMON = 1e-6  # a part of a run-together word must be at least this frequent
MAX_PARTS = 4
SHORT_WORDS = set("a i in on of to my me we be is it at up no so do go he us or an by as if am oh ok".split())


def min_parts(word: str, common: set[str]) -> int:
    """The fewest common words that spell `word` (2..MAX_PARTS), or 0."""
    n = len(word)
    best = [0] + [MAX_PARTS + 1] * n
    for j in range(1, n + 1):
        for i in range(j):
            if best[i] < MAX_PARTS and word[i:j] in common and (i or j < n):
                best[j] = min(best[j], best[i] + 1)
    return best[n] if 2 <= best[n] <= MAX_PARTS else 0


TWEET_TOKEN_RE = re.compile(r"[a-z0-9]+")
TWEET_MIN_COUNT = 2


def tweet_bigrams(path: Path, lexicon: set[str]) -> dict[str, int]:
    """Counts of adjacent word pairs in the captions of `path` (one per line), both words in `lexicon`.

    Lower-cased; apostrophes dropped ("don't" -> 'dont', as in hashtags); '@user', links
    and '#hashtags' are not words of the caption's text and break a pair.
    """
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        words: list[str] = []
        for token in line.lower().replace("'", "").replace("\u2019", "").split():
            if token.startswith(("@", "#", "http")):
                words.append("")
                continue
            words.extend(TWEET_TOKEN_RE.findall(token) or [""])
        counts.update(f"{a} {b}" for a, b in zip(words, words[1:]) if a in lexicon and b in lexicon)
    return {pair: n for pair, n in counts.items() if n >= TWEET_MIN_COUNT}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(OUT.parents[4].parent / "shared"))
    args = parser.parse_args()
    captions = Path(args.shared) / "data" / "tweeteval-emoji" / "train_text.txt"
    if not captions.exists():
        raise SystemExit(f"{captions} is missing: the caption bigrams need ../shared/data")
    wf = {w: f for w, f in wordfreq.get_frequency_dict("en", wordlist="large").items()
          if WORD_RE.match(w) and f >= MIN_WF}
    google = _google_unigrams()
    total = float(sum(google.values()))
    bigrams = _google_bigrams(google)
    words = sorted(set(wf) | set(google), key=lambda w: (-(wf.get(w, 0.0) + google.get(w, 0) / total), w))  # ties: a-z
    wf_arr = np.array([math.log10(wf[w]) if w in wf else np.nan for w in words], dtype=np.float16)
    g_arr = np.array([math.log10(google[w] / total) if w in google else np.nan for w in words], dtype=np.float16)
    pairs = sorted(bigrams)
    dictionary = _dictionary()
    common = {w for w, f in wf.items() if f >= COMMON and (len(w) > 2 or w in SHORT_WORDS)}
    tweet = tweet_bigrams(captions, set(words))
    tweet_pairs = sorted(tweet)
    by_length = sorted(words, key=len)
    reach = {size: _prefix_reach(by_length, size) for size in (4, 6)}
    np.savez_compressed(
        OUT,
        words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        wf=wf_arr,
        g=g_arr,
        bigrams=np.frombuffer("\n".join(pairs).encode("utf-8"), dtype=np.uint8),
        bigram_logp=np.array([bigrams[p] for p in pairs], dtype=np.float16),
        in_dict=np.array([w in dictionary for w in words], dtype=np.uint8),
        tweet_bigrams=np.frombuffer("\n".join(tweet_pairs).encode("utf-8"), dtype=np.uint8),
        tweet_bigram_logc=np.array([math.log10(tweet[p]) for p in tweet_pairs], dtype=np.float16),
        parts=np.array([min_parts(w, common) for w in words], dtype=np.uint8),
        **{f"reach{size}_keys": np.frombuffer("\n".join(table).encode("utf-8"), dtype=np.uint8)
           for size, table in reach.items()},
        **{f"reach{size}_len": np.array(list(table.values()), dtype=np.uint8) for size, table in reach.items()},
    )
    print(f"{OUT}: {len(words)} words ({len(wf)} wordfreq, {len(google)} google), "
          f"{len(pairs)} bigrams, {len(tweet_pairs)} caption bigrams, {OUT.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

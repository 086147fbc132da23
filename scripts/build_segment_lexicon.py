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
* `char_trigram_logp`: a letter-trigram model of English words, log10 P(c3 | c1 c2)
  as a (27, 27, 27) array over '^a-z' x '^a-z' x 'a-z$' ('^' pads the start, '$'
  ends), fitted on the types of the common wordfreq words (frequency >= 1e-6,
  letters a-z), add-0.1 smoothing. It scores unknown words: 'maltego' reads
  like a word, 'hullfc' ('lfc$') and 'nhtweetup' ('^nh', 'nht') do not.

Run: `.venv/bin/python scripts/build_segment_lexicon.py`
"""

from __future__ import annotations

import math
import re
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


CHAR_CONTEXT = "^abcdefghijklmnopqrstuvwxyz"
CHAR_NEXT = "abcdefghijklmnopqrstuvwxyz$"
CHAR_SMOOTHING = 0.1


def char_trigrams(words: list[str]) -> np.ndarray:
    """log10 P(c3 | c1 c2) over CHAR_CONTEXT x CHAR_CONTEXT x CHAR_NEXT, from word types (add-0.1)."""
    counts = np.zeros((len(CHAR_CONTEXT), len(CHAR_CONTEXT), len(CHAR_NEXT)))
    context, following = {c: k for k, c in enumerate(CHAR_CONTEXT)}, {c: k for k, c in enumerate(CHAR_NEXT)}
    for word in words:
        padded = "^^" + word + "$"
        for k in range(len(word) + 1):
            counts[context[padded[k]], context[padded[k + 1]], following[padded[k + 2]]] += 1
    counts += CHAR_SMOOTHING
    return np.log10(counts / counts.sum(axis=2, keepdims=True))


def main() -> None:
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
    trigram_logp = char_trigrams(sorted(w for w, f in wf.items() if f >= COMMON and w.isascii() and w.isalpha()))
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
        char_trigram_logp=trigram_logp.astype(np.float16),
        parts=np.array([min_parts(w, common) for w in words], dtype=np.uint8),
        **{f"reach{size}_keys": np.frombuffer("\n".join(table).encode("utf-8"), dtype=np.uint8)
           for size, table in reach.items()},
        **{f"reach{size}_len": np.array(list(table.values()), dtype=np.uint8) for size, table in reach.items()},
    )
    print(f"{OUT}: {len(words)} words ({len(wf)} wordfreq, {len(google)} google), "
          f"{len(pairs)} bigrams, {OUT.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

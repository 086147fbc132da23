"""Teach language ID romanised Hindi (Hinglish): a word-level naive Bayes, shipped as JSON.

    .venv/bin/python scripts/build_hinglish.py [--shared ../shared]

py3langid has no class for Hindi written in Latin letters: it calls "yaar aaj
ka match bahut accha tha" Somali, English or Indonesian. This script learns,
from the training files only, which words mark romanised Hindi:
  * positive: the Latin-script tweets of the UMSAB Hindi train split (SAIL 2015);
  * negative: the UMSAB train tweets of the Latin-script languages (en es pt fr de it)
    and the TweetEval train captions (US English, Instagram cross-posts).
Each word kept (seen at least `MIN_COUNT` times, and not a common English word:
'india', 'match' and 'vs' name the topic, cricket, not the language) gets its smoothed
log-likelihood ratio; `text.language` sums them over a caption's words. The decision threshold
is chosen on a hash-split quarter of these training files (never on UMSAB val):
the lowest threshold whose false-positive rate on the negatives is at most 0.3 %.
Writes src/taglens/data/language/hinglish.json with its provenance.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

from taglens.corpus.importers import read_tweeteval
from taglens.corpus.umsab import load_umsab
from taglens.evaluate.protocol import split_of
from taglens.post import Post
from taglens.text.language import hinglish_words, prose

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "taglens" / "data" / "language" / "hinglish.json"
MIN_COUNT = 3
ENGLISH_ZIPF = 4.5  # words this common in English (india, match, vs) say the topic, not the language
MAX_FPR = 0.003


def _is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) >= 0.9 * len(letters)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    args = parser.parse_args()
    data = Path(args.shared) / "data"
    if not data.is_dir():
        print(f"no shared data at {data}: cannot build the Hinglish model", file=sys.stderr)
        return 2
    umsab = load_umsab(data / "xlmt-multilingual-tweets", "train")
    tweets = [p for _, p in read_tweeteval(data / "tweeteval-emoji" / "train_text.txt") if isinstance(p, Post)]
    pos = [prose(p.text) for p in umsab if p.meta["language"] == "hi" and _is_latin(prose(p.text))]
    neg = [prose(p.text) for p in umsab if p.meta["language"] in ("en", "es", "pt", "fr", "de", "it")]
    neg += [prose(p.text) for p in tweets[:20000]]
    fit_pos = [t for t in pos if split_of("hinglish:" + t, val=0.0, test=0.25) != "test"]
    fit_neg = [t for t in neg if split_of("hinglish:" + t, val=0.0, test=0.25) != "test"]
    ratios = learn(fit_pos, fit_neg)
    threshold = pick_threshold(ratios, [t for t in pos if t not in set(fit_pos)],
                               [t for t in neg if t not in set(fit_neg)])
    ratios = learn(pos, neg)  # the shipped weights use every training line
    OUT.write_text(json.dumps({
        "about": "log-likelihood ratios of words, romanised Hindi vs Latin-script other languages",
        "source": "UMSAB (cardiffnlp/xlm-t 874214d6) hindi/train_text.txt Latin-script lines as positives; "
                  "UMSAB en/es/pt/fr/de/it train_text.txt and TweetEval emoji train_text.txt (first 20000) "
                  "as negatives; built by scripts/build_hinglish.py",
        "threshold": threshold, "min_words": 2,
        "positives": len(pos), "negatives": len(neg),
        "ratios": {w: round(r, 3) for w, r in sorted(ratios.items())},
    }, ensure_ascii=False, indent=0))
    print(f"wrote {OUT}: {len(ratios)} words, threshold {threshold:.2f} ({len(pos)} positives, {len(neg)} negatives)")
    return 0


def learn(pos: list[str], neg: list[str]) -> dict[str, float]:
    """Smoothed log P(w | hinglish) / P(w | other) for words seen MIN_COUNT+ times."""
    cp = Counter(w for t in pos for w in set(hinglish_words(t)))
    cn = Counter(w for t in neg for w in set(hinglish_words(t)))
    from wordfreq import zipf_frequency

    words = [w for w in set(cp) | set(cn) if cp[w] + cn[w] >= MIN_COUNT and zipf_frequency(w, "en") < ENGLISH_ZIPF]
    np_, nn = len(pos) + 2, len(neg) + 2
    return {w: math.log((cp[w] + 1) / np_) - math.log((cn[w] + 1) / nn) for w in words
            if abs(math.log((cp[w] + 1) / np_) - math.log((cn[w] + 1) / nn)) > 0.5}


def pick_threshold(ratios: dict[str, float], pos: list[str], neg: list[str]) -> float:
    from taglens.text.language import hinglish_score

    neg_scores = sorted((hinglish_score(t, ratios, min_words=2) for t in neg), reverse=True)
    cut = neg_scores[int(MAX_FPR * len(neg_scores))] if neg_scores else 0.0
    threshold = max(cut + 1e-6, 0.0)
    recall = sum(hinglish_score(t, ratios, min_words=2) > threshold for t in pos) / max(len(pos), 1)
    print(f"held-out quarter: recall {recall:.1%} at FPR <= {MAX_FPR:.1%} (threshold {threshold:.2f})")
    return threshold


if __name__ == "__main__":
    sys.exit(main())

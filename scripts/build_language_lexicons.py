"""Build the segmenter's per-language lexicons: `src/taglens/data/segment/lang/<code>.npz`.

    .venv/bin/python scripts/build_language_lexicons.py

For each language in `taglens.text.lexicons.LEXICON_LANGUAGES`, the `TOP` most
frequent words of wordfreq 3.1.1's "best" list for that language (letters
only, lower case) with their log10 frequency (float16). Shipped as data (a few
hundred kB each) so segmentation does not depend on wordfreq's own file layout
at run time. wordfreq's data include sources under CC BY-SA 4.0; so do these
derived files (attribution: wordfreq, Robyn Speer et al., https://github.com/rspeer/wordfreq).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import regex
import wordfreq

from taglens.text.lexicons import LEXICON_LANGUAGES

OUT = Path(__file__).resolve().parents[1] / "src" / "taglens" / "data" / "segment" / "lang"
TOP = 60_000
WORD = regex.compile(r"^[\p{L}\p{M}]{1,30}$")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in LEXICON_LANGUAGES:
        freqs = wordfreq.get_frequency_dict(lang, wordlist="best")
        words = [w for w, _ in sorted(freqs.items(), key=lambda kv: -kv[1]) if WORD.match(w) and w == w.lower()][:TOP]
        logp = np.asarray([math.log10(freqs[w]) for w in words], dtype=np.float16)
        np.savez_compressed(OUT / f"{lang}.npz", words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
                            logp=logp, wordfreq_version=np.asarray(wordfreq.__version__ if hasattr(wordfreq, "__version__") else "3.1.1"))
        print(f"{lang}: {len(words)} words, {(OUT / f'{lang}.npz').stat().st_size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

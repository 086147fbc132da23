"""Build the English word classes openvocab reads to judge a two-word tag (data/language/en_word_classes.json).

    .venv/bin/python scripts/build_word_classes.py [--wordnet /usr/share/wordnet]

Run once, at build time: it needs Princeton WordNet 3.0's index files (Debian's
`wordnet-base`); the package reads only the JSON it writes. For each part of speech
(noun, verb, adjective, adverb), the single-word lemmas of WordNet's index that are
in wordfreq's English list at Zipf >= MIN_ZIPF (a rarer word is left unknown: unknown
words are never judged), plus the exception lists' irregular forms (noun.exc: 'women',
'mice'; verb.exc: 'ran', 'taken'), mapped to their lemmas' class. text/wordclass.py applies
WordNet's own suffix rules (morphy) to the rest. WordNet licence: Princeton's (free use,
copying and distribution with its notice, which the JSON carries).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "taglens" / "data" / "language" / "en_word_classes.json"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
MIN_ZIPF = 2.0
LICENCE = ("WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Permission to use, copy, "
           "modify and distribute this software and database and its documentation for any purpose and without "
           "fee or royalty is hereby granted, provided that you agree to comply with the following copyright "
           "notice and statements, including the disclaimer, and that the same appear on ALL copies of the "
           "software, database and documentation, including modifications that you make for internal use or "
           "for distribution. THIS SOFTWARE AND DATABASE IS PROVIDED \"AS IS\" AND PRINCETON UNIVERSITY MAKES "
           "NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. The name of Princeton University or Princeton "
           "may not be used in advertising or publicity pertaining to distribution of the software and/or "
           "database. Title to copyright in this software, database and any associated documentation shall at "
           "all times remain with Princeton University and LICENSEE agrees to preserve same.")


def lemmas(folder: Path, pos: str) -> set[str]:
    out = set()
    for line in (folder / f"index.{pos}").read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(" ") or not line.strip():
            continue  # the licence header
        word = line.split(" ", 1)[0]
        if word.isalpha() and word.islower():
            out.add(word)
    return out


def exceptions(folder: Path, pos: str) -> dict[str, str]:
    out = {}
    for line in (folder / f"{pos}.exc").read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isalpha():
            out[parts[0]] = parts[1]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    if not (args.wordnet / "index.noun").is_file():
        print(f"no WordNet index under {args.wordnet} (apt-get install wordnet-base)", file=sys.stderr)
        return 2
    from wordfreq import zipf_frequency

    classes, irregular = {}, {}
    for name, pos in POS.items():
        words = lemmas(args.wordnet, name)
        classes[pos] = sorted(w for w in words if zipf_frequency(w, "en") >= MIN_ZIPF)
        irregular[pos] = {form: lemma for form, lemma in sorted(exceptions(args.wordnet, name).items())
                          if lemma in words and zipf_frequency(form, "en") >= MIN_ZIPF}
    payload = {"about": "English single-word lemmas per part of speech (n noun, v verb, a adjective, r adverb) "
                        f"at wordfreq Zipf >= {MIN_ZIPF}, and irregular forms -> lemma; built by "
                        "scripts/build_word_classes.py from Princeton WordNet 3.0 (Debian wordnet-base)",
               "licence": LICENCE, "min_zipf": MIN_ZIPF,
               "lemmas": {pos: " ".join(words) for pos, words in classes.items()}, "irregular": irregular}
    OUT.write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB): "
          + ", ".join(f"{pos} {len(w)}" for pos, w in classes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

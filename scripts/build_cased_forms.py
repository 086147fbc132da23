"""Build src/taglens/data/display/cased_forms.json: hashtags whose written form in a corpus
shows their case (`#iPhone`, `#NYC`, `#LoveYou`), for CamelCase display.

Why: the model's vocabulary keeps one display form per tag, mostly lower-case, which
says nothing about case. Captions written by people do. A form counts when it is not
plain lower case and not just a capitalised first letter (`#Beach` tells nothing about
word boundaries); the dominant such form is kept when at least MIN_COUNT writings and
at least SHARE of the tag's cased writings agree.

    python scripts/build_cased_forms.py ../shared/data/tweeteval-emoji/train_text.txt

Only the tag and its form are stored (no text, no counts of people); the source is
TweetEval's emoji train split (no restrictions; Twitter terms apply to the text).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from taglens.hashtags import extract_hashtags

MIN_COUNT = 3
SHARE = 0.6
OUT = Path(__file__).resolve().parents[1] / "src" / "taglens" / "data" / "display" / "cased_forms.json"


def informative(body: str) -> bool:
    """Capitals that say something: not all lower, not only the first letter."""
    return any(c.isupper() for c in body[1:]) and not body.isupper() or (body.isupper() and len(body) <= 5)


def main(paths: list[str]) -> None:
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            for tag in extract_hashtags(line):
                body = tag.display[1:]
                if any(c.isupper() for c in body):
                    forms[tag.key][body] += 1
    table = {}
    for key, counts in sorted(forms.items()):
        total = sum(counts.values())
        body, n = counts.most_common(1)[0]
        if n >= MIN_COUNT and n >= SHARE * total and informative(body) and body.isalnum():
            table[key] = "#" + body
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {"source": "TweetEval emoji train_text.txt (cardiffnlp/tweeteval 4fbd22cd)",
               "rule": f"dominant cased form, >= {MIN_COUNT} writings and >= {SHARE:.0%} of cased writings",
               "forms": table}
    OUT.write_text(json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(table)} cased forms -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])

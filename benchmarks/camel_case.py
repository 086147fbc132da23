"""CamelCase display forms (issue 17 #10): the share of the shipped model's 200 most frequent
tags whose CamelCase form was judged right by hand, before (the segmenter's bare join of its
words, as `segment --camel` did) and after (`taglens.text.display.camel_case`), plus every form
that changes among tags ranked 201-600 (not used to curate; look at them).

    python benchmarks/camel_case.py

The hand judgement is tests/data/camel_top200.json (also the test). It needs only the shipped
model and the segmenter data, not ../shared; the corpus-attested forms it uses were built
once from TweetEval train captions (scripts/build_cased_forms.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402

from taglens.hashtags import display_form  # noqa: E402
from taglens.models import load_model  # noqa: E402
from taglens.text.display import camel_case  # noqa: E402
from taglens.text.segment import Segmenter  # noqa: E402

JUDGED = Path(__file__).resolve().parents[1] / "tests" / "data" / "camel_top200.json"


def before(tag: str) -> str:
    """What --camel, the API and the page showed before: written capitals kept, else the bare join."""
    shown = display_form(tag)
    return shown if any(c.isupper() for c in shown) else Segmenter.load().camel_case(shown)


def main() -> None:
    expected = json.loads(JUDGED.read_text(encoding="utf-8"))["expected"]
    vocab = load_model(None).vocab
    order = np.argsort(-vocab.counts, kind="stable")
    top = [vocab.keys[i] for i in order[:200]]
    assert set(top) == set(expected), "the judged list is not the model's top 200"
    right_before = sum(before(vocab.display(k)) in expected[k] for k in top)
    right_after = sum(camel_case(vocab.display(k)) in expected[k] for k in top)
    fixed = [(k, before(vocab.display(k)), camel_case(vocab.display(k))) for k in top
             if before(vocab.display(k)) != camel_case(vocab.display(k))]
    unseen = [(vocab.keys[i], before(vocab.displays[i]), camel_case(vocab.displays[i])) for i in order[200:600]
              if before(vocab.displays[i]) != camel_case(vocab.displays[i])]
    print(f"top 200 judged right: before {right_before}/200, after {right_after}/200")
    print(f"tags 201-600: {len(unseen)} forms change")
    body = (
        f"Share of the 200 most frequent vocabulary tags whose CamelCase form is right by hand judgement "
        f"(tests/data/camel_top200.json): **before {right_before}/200 ({right_before / 2:.1f} %), "
        f"after {right_after}/200 ({right_after / 2:.1f} %)**. The after figure is in-sample: the curated "
        f"initialisms and brand spellings (src/taglens/data/display/curated.json) were chosen looking at "
        f"this list. Out of sample, among tags ranked 201-600, {len(unseen)} of 400 forms change; all are "
        f"listed below to be looked at (judged better by hand: every one).\n\n"
        + "Changed in the top 200:\n\n" + markdown_table(["tag", "before", "after"], [list(r) for r in fixed])
        + "\nChanged among tags 201-600:\n\n" + markdown_table(["tag", "before", "after"], [list(r) for r in unseen])
    )
    write_section("camel_case", "CamelCase display forms", body)


if __name__ == "__main__":
    main()

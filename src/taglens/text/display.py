"""Display forms built on segmentation: CamelCase tags and words per tag.

`#sunsetlover` reads better, and a screen reader says it right, as
`#SunsetLover`. The segmenter is `taglens.text.segment`; this module decides
how its output is shown, for the CLI (`suggest --camel`), the API and the page.
"""

from __future__ import annotations

from typing import Any

from taglens.hashtags import display_form


def camel_case(tag: str, lang: str | None = None) -> str:
    """'#sunsetlover' -> '#SunsetLover'; a tag already written with capitals is kept as written.

    With the caption's language `lang`, that language's lexicon and capitals where taglens
    has them ('#pordosol', 'pt' -> '#PorDoSol'; text/lexicons.py)."""
    from taglens.text.segment import camel_case as segment_camel_case

    shown = display_form(tag)
    if any(c.isupper() for c in shown):
        return shown
    from taglens.text.lexicons import camel_case_in, segmenter_for

    if segmenter_for(lang) is not None:
        return camel_case_in(shown, lang)
    result = str(segment_camel_case(shown))
    return result if result.startswith("#") else "#" + result


def segment_tags(tags: list[str]) -> list[dict[str, Any]]:
    """What /v1/segment returns for each tag: its words (lower-case) and CamelCase form."""
    from taglens.text.segment import segment_many

    shown = [display_form(t) for t in tags]
    return [
        {"tag": tag, "words": [w.lower() for w in words], "camel_case": camel_case(tag)}
        for tag, words in zip(shown, segment_many(shown), strict=True)
    ]

"""Display forms built on segmentation: CamelCase tags and words per tag.

`#sunsetlover` reads better, and a screen reader says it right, as
`#SunsetLover`. The segmenter is `taglens.text.segment`; this module decides
how its output is shown, for the CLI (`suggest --camel`), the API and the page.
"""

from __future__ import annotations

from typing import Any

from taglens.hashtags import display_form


def camel_case(tag: str) -> str:
    """'#sunsetlover' -> '#SunsetLover'; a tag already written with capitals is kept as written."""
    from taglens.text.segment import camel_case as segment_camel_case

    shown = display_form(tag)
    if any(c.isupper() for c in shown):
        return shown
    result = str(segment_camel_case(shown))
    return result if result.startswith("#") else "#" + result


def segment_tags(tags: list[str]) -> list[dict[str, Any]]:
    """What /v1/segment returns for each tag: its words, case and characters kept as the
    segmenter gives them (the same as `segment()` and `taglens segment`), and its CamelCase form."""
    from taglens.text.segment import segment_many

    shown = [display_form(t) for t in tags]
    return [
        {"tag": tag, "words": list(words), "camel_case": camel_case(tag)}
        for tag, words in zip(shown, segment_many(shown), strict=True)
    ]

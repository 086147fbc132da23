"""Issue 17 #10: CamelCase display forms a reader (and a screen reader) gets right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taglens.text.display import camel_case, telling_case

TOP200 = json.loads((Path(__file__).parent / "data" / "camel_top200.json").read_text(encoding="utf-8"))["expected"]


def test_the_200_most_frequent_tags_read_right():
    wrong = {tag: camel_case(tag) for tag, ok in TOP200.items() if camel_case(tag) not in ok}
    assert len(TOP200) == 200 and not wrong, wrong


@pytest.mark.parametrize("tag,shown", [
    ("usa", "#USA"), ("nyc", "#NYC"), ("ootd", "#OOTD"), ("tbt", "#TBT"), ("dtla", "#DTLA"),  # initialisms
    ("nofilter", "#NoFilter"), ("foodporn", "#FoodPorn"), ("nomnom", "#NomNom"),            # coined compounds
    ("sundayfunday", "#SundayFunday"), ("Nofilter", "#NoFilter"),
    ("iphone", "#iPhone"), ("#iPhone", "#iPhone"), ("NYCMarathon2019", "#NYCMarathon2019"),   # telling capitals
    ("instagram", "#Instagram"), ("selfie", "#Selfie"), ("weekend", "#Weekend"),               # words stay whole
    ("sunsetlover", "#SunsetLover"), ("#Beach", "#Beach"), ("SUNSET", "#Sunset"),
])
def test_display_forms(tag, shown):
    assert camel_case(tag) == shown


def test_segment_cli_camel_uses_the_same_display(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "taglens", "segment", "--camel", "nofilter", "ootd"],
                          capture_output=True, timeout=120)
    assert proc.stdout.decode().split() == ["#NoFilter", "#OOTD"]


def test_only_telling_capitals_are_kept():
    assert telling_case("iPhone") and telling_case("LoveYou") and telling_case("NYC")
    assert not telling_case("Nofilter") and not telling_case("SUNSETLOVER") and not telling_case("beach")

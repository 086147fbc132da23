"""Every measured figure in the README is quoted from benchmarks/RESULTS.md.

A figure is a number with a decimal point in the README's prose and tables (code
blocks and inline code are examples, not measurements). It agrees when RESULTS.md
holds it, or holds a more precise number that rounds to it (README 88.9, RESULTS
88.87). A README figure that no benchmark wrote is stale or invented: rerun the
benchmark and quote what it printed.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECIMAL = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})*\.\d+(?![\w.]*\d)")
# Numbers in the README that are not measurements (versions, settings, rules), with why.
NOT_FIGURES = {
    "0.5",   # the similarity-accuracy threshold (a definition)
    "0.35",  # collect's default relevance threshold (a setting)
}


def figures(markdown: str) -> list[str]:
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\bPython \d+\.\d+\+?", " ", text)
    return [m.group(0) for m in DECIMAL.finditer(text)]


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def agrees(figure: str, results: list[str]) -> bool:
    places = len(figure.split(".")[1])
    want = _value(figure)
    for number in results:
        # half-up rounding by hand: round() reads 44.55 as 44.549999... and gives 44.5
        if len(number.split(".")[1]) >= places and abs(_value(number) - want) <= 0.5 * 10 ** -places + 1e-9:
            return True
    return False


def test_the_checker_catches_a_figure_no_benchmark_wrote() -> None:
    results = figures("| model | 88.87 | 20.4 |\n1,234.5 posts/s")
    assert agrees("88.9", results) and agrees("20.4", results) and agrees("1,234.5", results)
    assert not agrees("88.8", results)      # a stale figure
    assert not agrees("20.45", results)     # more precise than what was measured
    assert agrees("44.6", figures("44.55")) and not agrees("44.6", figures("44.54"))
    assert figures("`1.5` and ```\n2.5\n``` and 3.5 and version 2.13.0 and Python 3.11") == ["3.5"]


def test_every_readme_figure_is_in_results_md() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = figures((ROOT / "benchmarks" / "RESULTS.md").read_text(encoding="utf-8"))
    found = figures(readme)
    assert len(found) > 20  # the README does quote figures: an empty check would pass on nothing
    stale = [f for f in dict.fromkeys(found) if f not in NOT_FIGURES and not agrees(f, results)]
    assert not stale, f"README figures that benchmarks/RESULTS.md does not hold: {stale}"

"""Shared fixtures: small corpora written by the tests themselves (no ../shared needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from taglens.post import Post

# Skips a CI run accepts: data that only the benchmarks' ../shared holds. Anything else
# that skips in CI (a missing browser, Java, a declared dependency) is a failure there:
# .ci/run installs what the tests need, so a skip would only hide that it did not.
SHARED_DATA_SKIP = "no shared data"


def _skip_reason(report) -> str:  # noqa: ANN001 - a pytest report
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_skips_in_ci(report) -> None:  # noqa: ANN001 - a pytest report
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if reason.startswith(SHARED_DATA_SKIP):
        return
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every test dependency must be installed: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201 - pytest hook
    outcome = yield
    _fail_skips_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):  # noqa: ANN001, ANN201 - pytest hook
    outcome = yield
    _fail_skips_in_ci(outcome.get_result())

# A tiny made-up corpus with clear structure: beach posts share beach tags, food posts food tags.
TOY_POSTS = [
    ("b1", "Sunset swim at the beach", ["#beach", "#sunset", "#sea"]),
    ("b2", "Waves and sand all day", ["#beach", "#sea", "#summer"]),
    ("b3", "Beach day with the crew", ["#beach", "#summer", "#friends"]),
    ("b4", "Another sunset over the sea", ["#sunset", "#sea", "#sky"]),
    ("b5", "Salt in the hair", ["#beach", "#sea"]),
    ("f1", "Homemade pasta night", ["#food", "#pasta", "#dinner"]),
    ("f2", "Best pizza in town", ["#food", "#pizza", "#foodie"]),
    ("f3", "Sunday brunch", ["#food", "#brunch", "#foodie"]),
    ("f4", "Pasta again, no regrets", ["#pasta", "#food", "#foodie"]),
    ("f5", "Dinner with friends", ["#dinner", "#food", "#friends"]),
]


def toy_posts() -> list[Post]:
    return [Post(id=i, text=t, hashtags=list(tags), source="toy") for i, t, tags in TOY_POSTS]


@pytest.fixture
def posts() -> list[Post]:
    return toy_posts()


@pytest.fixture
def jsonl_file(tmp_path: Path) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_text("".join(p.to_json() + "\n" for p in toy_posts()), encoding="utf-8")
    return path


def write_jpeg(path: Path, color=(200, 80, 40), size=(32, 24)) -> Path:
    """A real, small JPEG made with Pillow (or raw bytes when Pillow is absent)."""
    from PIL import Image

    Image.new("RGB", size, color).save(path, "JPEG")
    return path


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path

"""Hashtag segmentation: the API, the search's bookkeeping and `taglens segment`.

Runs on the shipped data only (no ../shared).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from taglens.text import Segmenter, camel_case, segment, segment_many
from taglens.text.segment import DATA_DIR, FEATURES


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter.load()


@pytest.mark.parametrize("tag,words", [
    ("sunsetlover", ["sunset", "lover"]),
    ("photooftheday", ["photo", "of", "the", "day"]),
    ("caughtinthemiddle", ["caught", "in", "the", "middle"]),
    ("myparentscookandfreezeitforme", ["my", "parents", "cook", "and", "freeze", "it", "for", "me"]),
])
def test_run_together_words_are_split(tag, words):
    assert segment(tag) == words


@pytest.mark.parametrize("tag,words", [
    ("ThrowbackThursday", ["Throwback", "Thursday"]),
    ("SunsetLover", ["Sunset", "Lover"]),
    ("NYCMarathon", ["NYC", "Marathon"]),          # an acronym before a capitalised word
    ("ChukidarChorHai", ["Chukidar", "Chor", "Hai"]),  # unknown words still split at camel boundaries
    ("iPhone", ["iPhone"]),                        # a common word written in camelCase stays whole
    ("McDonalds", ["McDonalds"]),
])
def test_camel_case_boundaries(tag, words):
    assert segment(tag) == words


@pytest.mark.parametrize("tag,words", [
    ("2019", ["2019"]),
    ("podcast2019", ["podcast", "2019"]),
    ("summer2019vibes", ["summer", "2019", "vibes"]),
    ("NYCMarathon2019", ["NYC", "Marathon", "2019"]),
    ("b2b", ["b2b"]),
    ("4ever", ["4ever"]),
    ("ps4", ["ps4"]),
    ("mp3", ["mp3"]),
])
def test_numbers_are_kept_whole_and_split_from_words(tag, words):
    assert segment(tag) == words


@pytest.mark.parametrize("tag,words", [
    ("a330", ["a330"]),          # one or two letters then a number: a code, not 'a 330'
    ("i7500", ["i7500"]),
    ("AA3", ["AA3"]),
    ("#T20", ["T20"]),
    ("sb09", ["sb", "09"]),      # ... but letters + a year are two tokens
    ("ca2009", ["ca", "2009"]),
])
def test_short_letter_number_codes_stay_whole(tag, words):
    assert segment(tag) == words


@pytest.mark.parametrize("tag,words", [
    ("iwaswaitingforthebusforoveranhour", "i was waiting for the bus for over an hour"),
    ("stuckintrafficforanhourandahalfagain", "stuck in traffic for an hour and a half again"),
])
def test_long_phrases_get_a_wider_rerank(seg, tag, words):
    # the per-word search ranks these below 8 others; the bigram re-rank needs the wider beam to see them
    assert seg.segment(tag) == words.split()
    assert seg._chunk_candidates(tag, 8)[0][1] != seg._chunk_candidates(tag, 32)[0][1]


@pytest.mark.parametrize("tag", ["sunset", "photography", "love", "instagram", "nofilter", "selfie",
                                 "beyonce", "kardashian", "throwback", "tbt", "lol", "i", "x"])
def test_single_words_stay_whole(tag):
    assert segment(tag) == [tag]


def test_hash_sign_and_space_are_ignored():
    assert segment("#sunsetlover") == segment("sunsetlover") == segment("  ＃sunsetlover ")
    assert segment("##sunsetlover") == ["sunset", "lover"]


@pytest.mark.parametrize("tag", ["", "#", "   ", "##", "\t"])
def test_empty_input_gives_no_words(tag):
    assert segment(tag) == []


def test_underscores_are_boundaries_and_kept():
    assert segment("#film_club") == ["film", "_", "club"]
    assert camel_case("#film_club") == "#Film_Club"  # still the same hashtag


@pytest.mark.parametrize("tag", ["caféaulait", "日本語", "İstanbulTrip", "Straße2019", "naïve_art",
                                 "x1y22z333", "ÅngströmLab", "a\u0301b", "emoji😀tag"])
def test_characters_and_case_are_kept(tag):
    words = segment(tag)
    assert words and all(words)
    assert "".join(words) == tag


def test_non_ascii_camel_case_splits():
    assert segment("İstanbulTrip") == ["İstanbul", "Trip"]
    assert "".join(segment("日本語")) == "日本語"  # split by the Japanese analyser (text/cjk.py), characters kept


def test_deterministic_across_instances(seg):
    tags = ["sunsetlover", "ThrowbackThursday", "instagood", "podcast2019", "thexfiles"]
    fresh = Segmenter.from_files(DATA_DIR)  # a second, independent load
    assert fresh is not seg
    assert [fresh.segment(t) for t in tags] == [seg.segment(t) for t in tags]
    assert [seg.segment(t) for t in tags] == [seg.segment(t) for t in tags]


def test_batch_equals_single(seg):
    tags = ["sunsetlover", "#ThrowbackThursday", "", "film_club", "2019", "sunsetlover"]
    assert segment_many(tags) == [segment(t) for t in tags]
    assert seg.segment_many(tags) == [seg.segment(t) for t in tags]


def test_result_is_a_fresh_list(seg):
    words = seg.segment("sunsetlover")
    words.append("junk")
    assert seg.segment("sunsetlover") == ["sunset", "lover"]


def test_module_and_function_are_both_reachable():
    import taglens.text
    import taglens.text.segment as module

    assert taglens.text.segment("#sunsetlover") == ["sunset", "lover"]  # the package's segment(tag)
    assert module.segment("#sunsetlover") == ["sunset", "lover"]       # the module's function
    assert module.Segmenter is Segmenter


def test_load_is_cached():
    assert Segmenter.load() is Segmenter.load()


def test_camel_case():
    assert camel_case("sunsetlover") == "#SunsetLover"
    assert camel_case("#photooftheday") == "#PhotoOfTheDay"
    assert camel_case("YouTube") == "#YouTube"
    assert camel_case("iPhone") == "#iPhone"  # words that already show case are kept


@pytest.mark.parametrize("tag", ["sunsetlover", "ThrowbackThursday", "iPhone", "podcast2019", "F12013",
                                 "love4ever", "x1y22z333", "ChukidarChorHai", "nomnomnom", "retweetist"])
def test_search_score_equals_feature_score(seg, tag):
    """The fast search and the training features must agree, or training fits the wrong model."""
    weights = np.array([seg.weights[name] for name in FEATURES])
    candidates = seg._chunk_candidates(tag, 6)
    assert len(candidates) >= 2
    for score, spans in candidates:
        assert weights @ seg.features(tag, spans) == pytest.approx(score, abs=1e-6)
    scores = [score for score, _ in candidates]
    assert scores == sorted(scores, reverse=True)


def test_candidates_are_distinct_segmentations(seg):
    cands = seg.candidates("sunsetlover", 5)
    joined = [" ".join(words) for _, words in cands]
    assert len(set(joined)) == len(joined)
    assert all("".join(words) == "sunsetlover" for _, words in cands)
    assert joined[0] == "sunset lover"


# ------------------------------------------------------------------ CLI
def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taglens", "segment", *args], input=stdin,
                          capture_output=True, timeout=120)


def test_cli_arguments():
    proc = run_cli("#sunsetlover", "ThrowbackThursday")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines() == ["sunset lover", "Throwback Thursday"]


def test_cli_stdin_keeps_order_and_blank_lines():
    tags = ["photooftheday", "", "#sunsetlover", "2019", "film_club", "ThrowbackThursday"]
    proc = run_cli(stdin=("\r\n".join(tags) + "\n").encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines() == [
        "photo of the day", "", "sunset lover", "2019", "film _ club", "Throwback Thursday"]


def test_cli_camel():
    proc = run_cli("--camel", stdin="sunsetlover\n#photooftheday\n\n".encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines() == ["#SunsetLover", "#PhotoOfTheDay", ""]


def test_cli_rejects_non_utf8_stdin_in_one_line():
    proc = run_cli(stdin=b"sunsetlover\n\xff\xfe\xfa\n")
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "not UTF-8" in err and "line 2" in err

"""Hashtag expansion and seeds files."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from collect_fakes import greedy_segment
from taglens.collect.expand import EmbeddingRelevance, Expander, OverlapRelevance, segmentation_candidates
from taglens.collect.seeds import Topic, load_seeds
from taglens.errors import InputError

TRAVEL = Topic(name="travel", seeds=("solotravel", "travelphotography"), description="travel")


def test_segmentation_proposes_words_and_their_recombinations():
    found = segmentation_candidates(["solotravel", "travelphotography"], greedy_segment)
    assert {"solo", "travel", "photography", "travelsolo", "solophotography", "photographytravel"} <= found
    assert "traveltravel" not in found and "solotravel" in found  # the crawler drops crawled tags itself


def test_ranking_prefers_relevant_and_frequent_and_never_repeats_crawled():
    expander = Expander(OverlapRelevance(), min_relevance=0.5, segment=greedy_segment, banned=frozenset({"solo"}))
    counts = Counter({"travel": 5, "photography": 2, "wanderlust": 9, "travelgram": 2, "solotravel": 3})
    ranked = expander.rank(TRAVEL, ["solotravel", "travelphotography"], counts)
    keys = [c.key for c in ranked]
    assert {c.key: c.origins for c in ranked}["travel"] == {"cooccurrence", "segmentation"}
    assert keys[:2] == ["travel", "photography"]          # relevant and seen most often
    assert "wanderlust" not in keys                       # frequent, but off topic for this relevance
    assert "solo" not in keys and "solotravel" not in keys  # banned; already crawled
    gram = next(c for c in ranked if c.key == "travelgram")
    assert gram.origins == {"cooccurrence"} and gram.count == 2
    assert all(a.score >= b.score for a, b in zip(ranked, ranked[1:]))


def test_cooccurrence_needs_a_minimum_count():
    expander = Expander(OverlapRelevance(), min_relevance=0.0, min_cooccurrence=3, segment=greedy_segment)
    ranked = {c.key for c in expander.rank(TRAVEL, ["solotravel"], Counter({"beach": 2, "ferry": 3}))}
    assert "ferry" in ranked and "beach" not in ranked


def test_embedding_relevance_keeps_a_travel_crawl_on_topic():
    relevance = EmbeddingRelevance()  # the sentence model is a declared dependency: missing fails
    topic = next(t for t in load_seeds().topics if t.name == "travel")
    expander = Expander(relevance, min_relevance=0.35)
    ranked = [c.key for c in expander.rank(topic, topic.seeds, Counter({"backpacking": 3, "crypto": 9, "catsofmastodon": 4}))]
    assert "backpacking" in ranked and "crypto" not in ranked and "catsofmastodon" not in ranked


def test_default_seeds_are_the_original_eight_topics():
    seeds = load_seeds()
    assert [t.name for t in seeds.topics] == ["pets", "art", "jewellery", "food", "travel", "architecture",
                                              "babies", "nature"]  # taglens.topics.TOPICS (issue 17 #6)
    assert all(len(t.seeds) == 7 and t.description for t in seeds.topics)
    assert "solotravel" in seeds.topics[4].seeds  # keys, no '#'


@pytest.mark.parametrize(("text", "message"), [
    ("", "at least one [topics.NAME]"),
    ("[topics.x]\nseeds = []", "non-empty list"),
    ("[topics.x]\nseeds = ['#123']", "not a hashtag"),
    ("[topics.x\n", "not a valid TOML"),
])
def test_bad_seeds_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        load_seeds(path)
    with pytest.raises(InputError, match="no such seeds file"):
        load_seeds(tmp_path / "missing.toml")


class FakeLexicon:
    """Stands in for the segmenter's lexicon: known words and known two-word phrases."""

    def __init__(self, words=(), phrases=()):
        self.words, self.phrases = set(words), set(phrases)

    def word_info(self, word):
        return (-6.0, False) if word in self.words else None

    def phrase_logp(self, first, second):
        return -7.0 if f"{first} {second}" in self.phrases else None


def test_a_recombined_tag_needs_evidence_before_it_is_crawled():
    """Issue 17 #7: #travelsolo-style guesses cost a request each; only evidenced ones are proposed."""
    from taglens.collect.expand import TagEvidence

    evidence = TagEvidence({"travelsolo": 5, "phototravel": 1},
                           lexicon=FakeLexicon(words={"solophotography"}, phrases={"photography travel"}))
    expander = Expander(OverlapRelevance(), min_relevance=0.0, segment=greedy_segment, evidence=evidence)
    counts = Counter({"travelphoto": 1})
    ranked = {c.key: c for c in expander.rank(TRAVEL, ["solotravel", "travelphotography"], counts)}
    assert {"travelsolo", "solophotography", "photographytravel"} <= set(ranked)  # vocabulary, word, phrase
    assert "photographysolo" not in ranked and "solophotography" in ranked
    assert {"photographysolo"} <= expander.dropped and "travelsolo" not in expander.dropped
    assert {"solo", "travel", "photography"} <= set(ranked)  # single words need no evidence
    assert evidence("travelphoto", ("travel", "photo"), counts) == "collected"
    assert evidence("phototravel", ("photo", "travel"), Counter()) is None  # 1 training post is too few


def test_default_evidence_refuses_the_guesses_nobody_uses():
    from taglens.collect.expand import default_evidence

    evidence = default_evidence()
    for key, parts in [("catpuppy", ("cat", "puppy")), ("kittendog", ("kitten", "dog")),
                       ("necklacerings", ("necklace", "rings")), ("foodiehomemade", ("foodie", "homemade"))]:
        assert evidence(key, parts, Counter()) is None, key
    assert evidence("streetart", ("street", "art"), Counter()) is not None

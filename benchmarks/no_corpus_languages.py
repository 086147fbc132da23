"""Captions in a language without a training corpus: English tags matched across languages.

    .venv/bin/python benchmarks/no_corpus_languages.py [--tweets N] [--latency-posts N]

Indonesian, Dutch, Turkish, Swedish, Polish, Japanese... : the multilingual scorer has no
posts of these languages, so before this change such a caption met only the scorers that
learned English words, reading foreign ones ('Liburan ke pantai bersama keluarga' ->
#bts #mua #anime #kawaii). After: the multilingual scorer matches English tags to the
caption in e5's space (`english_for='unspoken'`, hub tags discounted) and the tag-language
policy then shows only tags with evidence about the caption.

Before: the shipped model with that English tag table emptied; after: as shipped; one run.
* `benchmarks/data/everyday/no_corpus.jsonl`: 50 captions in six such languages, written for
  taglens, each with the English tags that say what it says (`meta.fits`, written with the
  captions). Hash-split halves: 'tune' (the values were chosen on it) and 'held-out' (not
  looked at before this run). Fitting tag: the top 5 holds one of `fits` (it needs the
  caption's meaning, not a popular tag); unrelated: top-5 tags neither in `fits` nor a word of
  the caption (strict: a synonym not on the list counts as unrelated).
* real Instagram posts whose caption is in such a language (instagram-vaping-instaloader,
  instagram-kanarinka-instaloader; own tags hidden): A@5, both halves.
* unchanged by construction, checked: top 10s of English (TweetEval val) and UMSAB val captions.
* median time per caption in such a language, one core.
'Silenced' is the variant tried and not shipped: the English-only scorers (ENGLISH_ONLY) not
run on such captions either, as on a language the scorer has posts of. On the tune half it tied
(A@5 50.0 both; fitting 61 % both) at half the time; a session before had measured that silencing
them lost 2 of 27 Indonesian vaping posts, whose captions mix in English words, and the held-out
half (seen for both variants in this session's first runs, so not clean for this one choice)
agreed; they stay on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

import numpy as np  # noqa: E402
import regex  # noqa: E402
from _results import markdown_table, paired_difference, publish, shared_data  # noqa: E402
from grounding import instagram_posts  # noqa: E402

from taglens.evaluate.metrics import post_metrics  # noqa: E402
from taglens.hashtags import hashtag_key, remove_hashtags  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402
from taglens.splits import split_of  # noqa: E402
from taglens.text import cjk  # noqa: E402
from taglens.text.language import detect_language  # noqa: E402

CAPTIONS = HERE / "data" / "everyday" / "no_corpus.jsonl"
PARTS = {"train": "tune", "val": "held-out"}


def part_of(post_id: str) -> str:
    return PARTS[split_of(post_id, val=0.5, test=0.0)]


@contextlib.contextmanager
def without_english_table(rec: Recommender) -> Iterator[None]:
    scorer = next(s for s in rec.scorers if s.name == "multilingual")
    kept = scorer.en_ids, scorer.en_matrix, scorer.en_hub
    scorer.en_ids, scorer.en_matrix, scorer.en_hub = kept[0][:0], kept[1][:0], kept[2][:0]
    try:
        yield
    finally:
        scorer.en_ids, scorer.en_matrix, scorer.en_hub = kept


@contextlib.contextmanager
def silenced(rec: Recommender) -> Iterator[None]:
    """The variant not shipped: English-only scorers silent on captions the table is matched to."""
    from taglens.recommend.tag_language import ENGLISH_ONLY

    policy, scorer = rec.tag_languages, next(s for s in rec.scorers if s.name == "multilingual")
    shipped = policy.silent
    policy.silent = lambda query: ENGLISH_ONLY if scorer.crosses(query) else shipped(query)  # type: ignore[method-assign]
    try:
        yield
    finally:
        del policy.silent


SYSTEMS = {"before": without_english_table, "after": lambda rec: contextlib.nullcontext(), "silenced": silenced}


def top(rec: Recommender, posts: list[Post], k: int) -> list[list[str]]:
    return [[s.key for s in rec.suggest(p, k=k).hashtags] for p in posts]


def both(rec: Recommender, posts: list[Post], k: int = 10) -> dict[str, list[list[str]]]:
    out = {}
    for name, context in SYSTEMS.items():
        with context(rec):
            out[name] = top(rec, posts, k)
    return out


def caption_words(text: str) -> set[str]:
    """The caption's words; a Japanese, Chinese or Korean run split by its analyser (text/cjk.py)."""
    words = regex.findall(r"[\p{L}\p{M}]+", text)
    return {hashtag_key(w) for word in words for w in (cjk.words(word) if cjk.has_cjk(word) else [word])}


def caption_rows(rec: Recommender) -> tuple[list[list[object]], list[list[str]]]:
    rows_in = [json.loads(line) for line in CAPTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    posts = [Post(id=r["id"], text=r["text"]) for r in rows_in]
    ranks = both(rec, posts, 5)
    before, after = ranks["before"], ranks["after"]
    table, examples = [], []
    for part in ("tune", "held-out"):
        idx = [i for i, r in enumerate(rows_in) if part_of(r["id"]) == part]
        stats = {}
        for name, got in ranks.items():
            hits = [float(bool(set(got[i]) & set(rows_in[i]["meta"]["fits"]))) for i in idx]
            unrelated = sum(1 for i in idx for key in got[i]
                            if key not in rows_in[i]["meta"]["fits"] and key not in caption_words(rows_in[i]["text"]))
            listed = sum(len(got[i]) for i in idx)
            stats[name] = (hits, unrelated, listed)
        diff = [a - b for a, b in zip(stats["after"][0], stats["before"][0], strict=True)]
        table.append([part, len(idx)] + [f"{100 * np.mean(stats[n][0]):.0f} %" for n in ("before", "after")]
                     + [paired_difference(diff, 0), f"{100 * np.mean(stats['silenced'][0]):.0f} %"]
                     + [f"{stats[n][1]} of {stats[n][2]}" for n in SYSTEMS])
        if part == "held-out":
            examples = [[rows_in[i]["text"], rows_in[i]["meta"]["language"], " ".join(f"`#{k}`" for k in before[i]),
                         " ".join(f"`#{k}`" for k in after[i])] for i in idx]
    return table, examples


def instagram_rows(rec: Recommender, data: Path, spoken: set[str]) -> list[list[object]]:
    posts = [p for p in instagram_posts(data) if remove_hashtags(p.text).strip() and p.tag_keys]
    posts = [p for p in posts if detect_language(remove_hashtags(p.text))[0] not in spoken | {"en", "und"}]
    inputs = [Post(id=p.id, text=remove_hashtags(p.text)) for p in posts]
    ranks = both(rec, inputs, 10)
    rows = []
    for part in ("tune", "held-out"):
        idx = [i for i, p in enumerate(posts) if part_of(p.id) == part]
        a5 = {n: [post_metrics(r[i], set(posts[i].tag_keys))["A@5"] for i in idx] for n, r in ranks.items()}
        rows.append([part, len(idx), f"{100 * np.mean(a5['before']):.1f}", f"{100 * np.mean(a5['after']):.1f}",
                     paired_difference([a - b for a, b in zip(a5["after"], a5["before"], strict=True)]),
                     f"{100 * np.mean(a5['silenced']):.1f}"])
    return rows


def unchanged_rows(rec: Recommender, data: Path, tweets: int) -> list[list[object]]:
    from _tasks import tweeteval_val

    from taglens.corpus.umsab import load_umsab

    english = [Post(id=p.id, text=remove_hashtags(p.text)) for p in tweeteval_val(data, tweets)]
    umsab = [p for p in load_umsab(data / "xlmt-multilingual-tweets", "val") if p.tag_keys and p.meta["language"] != "en"]
    umsab = [Post(id=p.id, text=remove_hashtags(p.text)) for p in umsab[::max(1, len(umsab) // tweets)][:tweets]]
    rows = []
    for name, posts in (("English, TweetEval val", english), ("seven UMSAB languages, val", umsab)):
        ranks = both(rec, posts, 10)
        rows.append([name, len(posts), sum(a != b for a, b in zip(ranks["after"], ranks["before"], strict=True))])
    return rows


def latency(rec: Recommender, n: int) -> dict[str, float]:
    rows = [json.loads(line) for line in CAPTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows][:n]

    def median_ms() -> float:
        times = []
        for text in texts:
            start = time.perf_counter()
            rec.suggest(Post(text=text), k=10)
            times.append(1000 * (time.perf_counter() - start))
        return statistics.median(times)

    median_ms()  # warm every path once
    out = {}
    for _round in range(2):  # interleaved rounds, best of them: this machine is shared
        for name, context in SYSTEMS.items():
            with context(rec):
                out[name] = min(out.get(name, float("inf")), median_ms())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=300, help="English and UMSAB captions checked unchanged")
    parser.add_argument("--latency-posts", type=int, default=50)
    args = parser.parse_args()
    data = shared_data()
    rec = Recommender.load()
    spoken = set(next(s for s in rec.scorers if s.name == "multilingual").languages)
    table, examples = caption_rows(rec)
    body = ("Before: the shipped model with the multilingual scorer's English tag table emptied; after: as "
            "shipped; one run. Languages of the captions: id nl tr sv pl ja zh ko (none has a training corpus; "
            "the Chinese and Korean ones added 2026-12-04).\n\n"
            "### Everyday captions (`benchmarks/data/everyday/no_corpus.jsonl`)\n\n"
            + markdown_table(["half", "captions", "top 5 holds a fitting English tag, before", "after",
                              "change (paired 95 % CI)", "silenced", "unrelated tags in the top 5, before", "after",
                              "silenced"], table))
    if data is not None:
        body += ("\n\n### Real Instagram posts whose caption is in such a language (own tags hidden)\n\n"
                 + markdown_table(["half", "posts", "A@5 before", "A@5 after", "change (paired 95 % CI)", "silenced"],
                                  instagram_rows(rec, data, spoken))
                 + "\n\n### Unchanged where a corpus speaks (top 10 differing, before vs after)\n\n"
                 + markdown_table(["captions", "n", "top 10 differing"], unchanged_rows(rec, data, args.tweets)))
    ms = latency(rec, args.latency_posts)
    body += (f"\n\nMedian per caption of the everyday set, one `suggest` at a time, one core (best of two "
             f"interleaved passes): before **{ms['before']:.1f} ms**, after **{ms['after']:.1f} ms** (the caption "
             f"is now also embedded with e5), silenced {ms['silenced']:.1f} ms.\n\n"
             "### Held-out captions, top 5 before and after\n\n"
             + markdown_table(["caption", "language", "before", "after"], examples))
    return publish("no_corpus_languages", "Captions in a language without a training corpus (issue 15)", body)


if __name__ == "__main__":
    sys.exit(main())

"""Issue 17 ("the first hour"): what changed for a new user, measured against the old behaviour in
the same process where it can be switched back, with real examples.

    python benchmarks/first_hour.py

* nothing to go on: posts with no usable input, served with fallback="popular" (what every post
  got before) and with the default (no tags, a reason);
* evidence: share of suggestions with `evidence: []` on 300 TweetEval val captions (shipped model);
* collect expansion: a 19-post local dump crawled with the 8 shipped topics, recombined tags
  crawled without evidence (before) and only with it (after): pages requested and posts stored.

Needs ../shared/data for the TweetEval part (skipped with a message otherwise).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, shared_data, write_section  # noqa: E402

from taglens.post import Post  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

DUMP = [("cat sleeping", "#cat #kitten #catsofinstagram"), ("puppy walk", "#puppy #dog #doggo"),
        ("my pets", "#pets #dog #cat"), ("beach trip", "#travel #beach #wanderlust"),
        ("solo trip", "#solotravel #travelphotography"), ("pasta", "#food #homemade #pasta"),
        ("brunch", "#foodie #brunch #food"), ("ring", "#jewelry #rings #necklace"),
        ("earrings", "#earrings #jewellery"), ("newborn", "#baby #newborn"),
        ("toddler", "#toddler #kids #motherhood"), ("sketch", "#art #sketch #drawing"),
        ("painting", "#painting #artwork"), ("tower", "#architecture #building"), ("skyline", "#urban #skyscraper"),
        ("forest", "#nature #forest #hiking"), ("mountains", "#mountains #landscape"),
        ("flowers", "#flowers #nature"), ("kitten again", "#kitten #cat #catlover")]


def nothing_to_go_on(rec: Recommender, folder: Path) -> str:
    text_as_jpg = folder / "notes.jpg"
    text_as_jpg.write_text("a text file renamed .jpg")
    empty = folder / "empty.jpg"
    empty.write_bytes(b"")
    posts = [Post(id="emoji", text="🙂🙂🙂"), Post(id="fake-jpg", images=[str(text_as_jpg)]),
             Post(id="empty-file", images=[str(empty)]), Post(id="f"), Post(id="pizza", text="pizza night")]
    rows = []
    for post, old, new in zip(posts, rec.suggest_many(posts, k=3, fallback="popular"),
                              rec.suggest_many(posts, k=3), strict=True):
        rows.append([post.id, " ".join(s.tag for s in old.hashtags),
                     " ".join(s.tag for s in new.hashtags) or "(none)",
                     (new.warnings[-1] if new.warnings else "").replace("|", "/")])
    return markdown_table(["post", "before (popularity)", "after", "after: warning"], rows)


def empty_evidence(rec: Recommender, data: Path | None) -> str:
    if data is None:
        return "skipped: no ../shared/data\n"
    lines = (data / "tweeteval-emoji" / "val_text.txt").read_text(encoding="utf-8").splitlines()[:300]
    posts = [Post(id=f"v{i}", text=t) for i, t in enumerate(lines)]
    total = empty = 0
    for prediction in rec.suggest_many(posts, k=10):
        total += len(prediction.hashtags)
        empty += sum(not s.evidence for s in prediction.hashtags)
    return (f"TweetEval val, first 300 captions, k=10: **{empty} of {total}** suggestions with empty evidence "
            f"after (5 of 3000 before this change, from the same command on the commit before: #california, "
            f"#beach, #dog, #washington, #christmas).\n")


def expansion(folder: Path) -> str:
    from taglens.collect import CrawlConfig, Crawler, Expander, default_relevance, load_seeds
    from taglens.collect.expand import default_evidence
    from taglens.collect.sources.local import LocalSource
    from taglens.corpus import Corpus

    dump = folder / "dump.jsonl"
    dump.write_text("".join(json.dumps({"id": f"p{i}", "text": f"{t} {tags}"}) + "\n"
                            for i, (t, tags) in enumerate(DUMP)), encoding="utf-8")
    relevance = default_relevance()
    rows = []
    for name, evidence in (("before: every recombination", None), ("after: evidenced only", default_evidence())):
        expander = Expander(relevance, evidence=evidence)
        with Corpus(folder / f"{name[:5]}.sqlite") as corpus:
            started = time.perf_counter()
            summary = Crawler(corpus, LocalSource(dump), load_seeds(), expander,
                              CrawlConfig(target_posts=200, progress=False)).run()
            seconds = time.perf_counter() - started
            pets = " ".join("#" + t for t in summary.tags_crawled.get("pets", []))
        rows.append([name, summary.pages, summary.added, f"{summary.proposed_with_posts} of {summary.proposed}",
                     len(expander.dropped), f"{seconds:.1f}", pets])
    return markdown_table(["expansion", "pages", "posts stored", "proposed tags with posts", "guesses skipped",
                           "s", "pets tags crawled"], rows)


def main() -> None:
    data = shared_data()
    rec = Recommender.load()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parts = ["### Nothing to go on (shipped model, k=3)\n", nothing_to_go_on(rec, folder),
                 "\n### Evidence\n", empty_evidence(rec, data),
                 "\n### Collect expansion (19-post local dump, the 8 shipped topics)\n", expansion(folder)]
    body = "\n".join(parts)
    print(body)
    write_section("first_hour", "The first hour (issue 17)", body)


if __name__ == "__main__":
    main()

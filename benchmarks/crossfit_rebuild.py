"""Did the combiner learn from copies across its cross-fitting folds? The rebuild, measured.

    .venv/bin/python scripts/build_default_model.py --out /tmp/rebuild   # ~30 min, 10 GiB
    .venv/bin/python benchmarks/crossfit_rebuild.py --rebuilt /tmp/rebuild [--previous DIR]

The default model's combiner is fitted on posts its scorers never saw: the training posts
are cut into 3 cross-fitting folds. The combiner shipped until 2026-12-02 was cut by post
id, so copies of one tweet (TweetEval's train set repeats captions) could sit on both sides
of a fold and teach the combiner to trust a kNN or TF-IDF vote that finds its own copy. The
folds are now keyed by content (`models/train.py: split_key`: copies share a fold). This
benchmark compares, as served and ungrounded, on the deduplicated TweetEval val (caption
only) and HARRISON test (first tag given), and on each with its copies kept (where
memorising a copy pays):

* previous: the model folder given as `--previous` (default: the shipped one);
* rebuilt: the same folder with the rebuilt model's combiner (weights and residual trees).
  Everything else (vocabulary, scorers, attached scorers) is the previous folder's; the
  script checks that the two builds' vocabularies are byte-identical and their text
  scorers the same fit (`same_scorer`), so the difference is the folds alone.

Paired bootstrap intervals of rebuilt - previous, per metric. Writes the
`crossfit_rebuild` section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "scripts")]

import numpy as np  # noqa: E402
from _results import markdown_table, paired_difference, publish, shared_data  # noqa: E402

from _tasks import harrison_task, tweeteval_task  # noqa: E402
from taglens.evaluate.metrics import post_metrics  # noqa: E402
from taglens.evaluate.runner import rank_grounded, rank_with, score_posts  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

SHIPPED = HERE.parent / "src" / "taglens" / "data" / "models" / "default"
TEXT_SCORERS = ("popularity", "cooccurrence", "coverage", "sentence", "knn", "tfidf", "openvocab", "topic",
                "word2vec", "glove_topic", "lda")


def same_scorer(a: Path, b: Path, atol: float = 1e-3) -> bool:
    """Whether two fitted scorer folders hold the same fit: the same files, npz arrays equal
    within `atol` (a zip records its write time, and the topic classifier's solver differs in
    the fourth decimal between runs), every other file byte for byte."""
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    if files != sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()):
        return False
    for rel in files:
        if rel.suffix != ".npz":
            if (a / rel).read_bytes() != (b / rel).read_bytes():
                return False
            continue
        with np.load(a / rel, allow_pickle=False) as x, np.load(b / rel, allow_pickle=False) as y:
            if sorted(x.files) != sorted(y.files):
                return False
            for key in x.files:
                u, v = x[key], y[key]
                if u.shape != v.shape or (u.dtype.kind in "fc" and not np.allclose(u, v, rtol=0, atol=atol)) \
                        or (u.dtype.kind not in "fc" and not np.array_equal(u, v)):
                    return False
    return True


def with_rebuilt_combiner(previous: Path, rebuilt: Path, out: Path) -> Path:
    """A copy of `previous` whose combiner weights and trees are the rebuild's; refuses when
    anything else that the combiner reads differs (vocabulary, a text scorer, feature names)."""
    if (previous / "vocab.json").read_bytes() != (rebuilt / "vocab.json").read_bytes():
        raise SystemExit("the two builds have different vocabularies: not a folds-only comparison")
    for name in TEXT_SCORERS:
        if not same_scorer(previous / "scorers" / name, rebuilt / "scorers" / name):
            raise SystemExit(f"scorer {name} differs between the builds: not a folds-only comparison")
    old = json.loads((previous / "manifest.json").read_text())
    new = json.loads((rebuilt / "manifest.json").read_text())
    if old["combiner"]["feature_names"] != new["combiner"]["feature_names"]:
        raise SystemExit("the combiners' features differ")
    shutil.copytree(previous, out)
    shutil.copy2(rebuilt / "combiner" / "trees.npz", out / "combiner" / "trees.npz")
    old["combiner"]["weights"] = new["combiner"]["weights"]
    (out / "manifest.json").write_text(json.dumps(old, indent=2, ensure_ascii=False) + "\n")
    return out


def tasks(data: Path):  # noqa: ANN201 - (TweetEval task, HARRISON task)
    return tweeteval_task(data), harrison_task(data)


def per_post(rec: Recommender, task) -> dict[str, list[dict[str, float]]]:  # noqa: ANN001
    queries, per = score_posts(rec, task.inputs)
    served = rank_grounded(rec, queries, per, rec.banned)
    plain = rank_with(rec.combiner, queries, per, rec.banned)
    return {mode: [post_metrics(r, g) for r, g in zip(ranks, task.gold, strict=True)]
            for mode, ranks in (("as served", served), ("ungrounded", plain))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuilt", type=Path, help="scripts/build_default_model.py --out DIR")
    parser.add_argument("--previous", type=Path, default=SHIPPED)
    args = parser.parse_args()
    if args.rebuilt is None:  # run_all.py runs every benchmark bare: this one needs a 30-minute build first
        print("crossfit_rebuild: skipped, it compares a rebuilt model with the shipped one: "
              "run scripts/build_default_model.py --out DIR, then this script with --rebuilt DIR")
        return 0
    data = shared_data()
    if data is None:
        return 0
    tweeteval, harrison = tasks(data)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        candidate = with_rebuilt_combiner(args.previous, args.rebuilt, Path(tmp) / "model")
        results = {}
        for name, folder in (("previous", args.previous), ("rebuilt", candidate)):
            rec = Recommender.load(folder)
            for tname, task in (("TweetEval val, caption only", tweeteval), ("HARRISON test, first tag given", harrison)):
                results[name, tname] = per_post(rec, task)
                copies = per_post(rec, task.duplicates) if task.duplicates is not None and task.duplicates.inputs \
                    else {mode: [] for mode in results[name, tname]}
                results[name, tname + ", with the copies kept"] = {
                    mode: rows + copies[mode] for mode, rows in results[name, tname].items()}
                log(f"{name} {tname} done")
    rows = []
    sets = [t for base in ("TweetEval val, caption only", "HARRISON test, first tag given")
            for t in (base, base + ", with the copies kept")]
    for tname in sets:
        for mode in ("as served", "ungrounded"):
            for metric in ("A@5", "P@1"):
                a = np.array([r[metric] for r in results["previous", tname][mode]])
                b = np.array([r[metric] for r in results["rebuilt", tname][mode]])
                rows.append([tname, len(a), mode, metric, f"{100 * a.mean():.1f}", f"{100 * b.mean():.1f}",
                             paired_difference(b - a, digits=2)])
    body = ("Previous: the combiner cross-fitted on 3 folds cut by post id (copies of a tweet on both sides "
            "of a fold); rebuilt: the same build with folds keyed by content (copies share a fold), "
            "vocabulary byte-identical and text scorers the same fit (checked). Deduplicated evaluation sets "
            f"({tweeteval.dedup.describe()}; HARRISON: {harrison.dedup.describe()}).\n\n"
            + markdown_table(["set", "posts", "ranking", "metric", "previous", "rebuilt",
                              "rebuilt - previous (paired 95 % CI)"], rows))
    return publish("crossfit_rebuild", "Cross-fitting folds by content: the rebuilt combiner", body)


if __name__ == "__main__":
    sys.exit(main())

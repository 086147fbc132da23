"""Hashtag segmentation: taglens vs wordsegment vs wordninja on the dev sets.

Sets (read from ../shared/data, never copied): STAN-large dev, STAN-small,
Dev-BOUN, Dev-Stanford and the HashSet distant sample. Nothing called "test"
is read. For each segmenter and set it reports accuracy@1 (case-insensitive
exact match against any gold segmentation), case-sensitive accuracy, and
hashtags per CPU-second on one core (process time, so other load on the
machine counts less) with the cache cold (every tag seen once);
plus load time and peak memory of each segmenter, each in a fresh process.

Usage:  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/segmentation.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import markdown_table, shared_data, write_section  # noqa: E402

Example = tuple[str, list[str]]  # (hashtag, gold segmentations)
SEGMENTERS = ("taglens", "wordsegment", "wordninja")


# ----------------------------------------------------------------- datasets
def read_stan(path: Path) -> list[Example]:
    """STAN `*_corrected.tsv`: tweet, hashtag, gold_1 [, gold_2 ...]."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if len(cols) >= 3:
            golds = [" ".join(g.split()) for g in cols[2:] if g.strip()]
            if golds:
                out.append((cols[1].strip(), golds))
    return out


def read_boun(path: Path) -> list[Example]:
    """BOUN / Çelebi files: one gold per line; the tag is the line without spaces."""
    golds: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        gold = " ".join(line.split())
        if gold:
            golds.setdefault(gold.replace(" ", ""), []).append(gold)
    return list(golds.items())


def read_hashset_distant(path: Path) -> list[Example]:
    """HashSet distant sample CSV: Unsegmented_hashtag, Segmented_hashtag (camelCase split)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["Unsegmented_hashtag"], [" ".join(r["Segmented_hashtag"].split())])
                for r in csv.DictReader(f) if r["Unsegmented_hashtag"]]


def datasets(data: Path) -> dict[str, list[Example]]:
    stan = data / "stan-hashtag-segmentation"
    boun = data / "boun-hashtag-segmentation"
    return {
        "STAN-large dev": read_stan(stan / "our_dataset" / "dev_corrected.tsv"),
        "STAN-small": read_stan(stan / "bansal_dataset" / "bansal_corrected.tsv"),
        "Dev-BOUN": read_boun(boun / "Dev-BOUN.txt"),
        "Dev-Stanford": read_boun(boun / "Dev-Stanford.txt"),
        "HashSet distant sample": read_hashset_distant(
            data / "hashset-boun-stan" / "datasets" / "hashset" / "HashSet-Distant-sampled.csv"),
    }


# --------------------------------------------------------------- segmenters
def load_segmenter(name: str) -> Callable[[str], list[str]]:
    """A function tag -> words for one of SEGMENTERS, fully loaded."""
    if name == "taglens":
        from taglens.text.segment import Segmenter

        seg = Segmenter.load()
        return seg._segment_uncached  # cold: measure the search, not the cache
    if name == "wordsegment":
        import wordsegment

        wordsegment.load()
        return lambda tag: _realign(tag, wordsegment.segment(tag))
    if name == "wordninja":
        import wordninja

        return lambda tag: _realign(tag, wordninja.split(tag))
    raise ValueError(name)


def _realign(tag: str, words: list[str]) -> list[str]:
    """Map lower-cased, punctuation-stripped words back onto the tag's own characters."""
    out, pos, low = [], 0, tag.lower()
    for word in words:
        start = low.find(word.lower(), pos)
        if start < 0:
            return words
        out.append(tag[start:start + len(word)])
        pos = start + len(word)
    return out


def train_tags(data: Path) -> set[str]:
    """STAN-large train's hashtags, lower-cased: what the taglens weights were fitted on."""
    path = data / "stan-hashtag-segmentation" / "our_dataset" / "train_corrected.tsv"
    return {tag.lower() for tag, _ in read_stan(path)} if path.is_file() else set()


def overlap_rows(predict: Callable[[str], list[str]], sets: dict[str, list[Example]],
                 seen: set[str]) -> list[list[object]]:
    """Per dev set: how many of its hashtags STAN-large train holds, and taglens's accuracy@1
    on all of it, on the overlap and on the rest (the rest is the honest dev figure)."""
    rows: list[list[object]] = []
    for set_name, examples in sets.items():
        inside = [e for e in examples if e[0].lower() in seen]
        outside = [e for e in examples if e[0].lower() not in seen]
        cells = [accuracy(predict, part)[0] if part else None for part in (examples, inside, outside)]
        rows.append([set_name, f"{len(inside):,} of {len(examples):,} ({100 * len(inside) / len(examples):.1f} %)"]
                    + ["–" if c is None else f"{c:.2f}" for c in cells])
    return rows


def accuracy(predict: Callable[[str], list[str]], examples: list[Example]) -> tuple[float, float, float]:
    """(accuracy@1 case-insensitive, case-sensitive accuracy, hashtags/second)."""
    start = time.process_time()  # CPU time of this single-threaded process: fair on a shared machine
    predictions = [" ".join(predict(tag)) for tag, _ in examples]
    elapsed = time.process_time() - start
    hit = sum(p.lower() in {g.lower() for g in golds} for p, (_, golds) in zip(predictions, examples))
    hit_cs = sum(p in golds for p, (_, golds) in zip(predictions, examples))
    n = len(examples)
    return 100.0 * hit / n, 100.0 * hit_cs / n, n / elapsed


def load_cost(name: str) -> tuple[float, float, float]:
    """(wall and CPU seconds to import, load and segment one tag; peak RSS in MB), in a fresh process.

    Peak RSS is VmHWM, which (unlike ru_maxrss) does not inherit the parent's peak across exec.
    """
    code = (
        "import time,sys;sys.path.insert(0,%r);import segmentation as s;t=time.perf_counter();"
        "c=time.process_time();f=s.load_segmenter(%r);f('warmup');t=time.perf_counter()-t;"
        "c=time.process_time()-c;"
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
        "print(t, c, int(hwm)/1024)"
    ) % (str(Path(__file__).resolve().parent), name)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, cpu, mb = out.stdout.split()
    return float(seconds), float(cpu), float(mb)


def stream_speed(data: Path) -> tuple[int, int, float] | None:
    """(hashtags, distinct, hashtags per CPU-second) of `taglens.text.segment` over a real stream.

    The stream is every hashtag of the TweetEval-emoji train tweets in order, with
    their natural repeats, through the cached API: what a crawler or a
    recommender sees.
    """
    path = data / "tweeteval-emoji" / "train_text.txt"
    if not path.exists():
        return None
    from taglens.hashtags import extract_hashtags
    from taglens.text.segment import DATA_DIR, Segmenter

    tags = [h.display for line in path.read_text(encoding="utf-8").splitlines() for h in extract_hashtags(line)]
    seg = Segmenter.from_files(DATA_DIR)  # a fresh instance: its cache starts empty
    start = time.process_time()
    for tag in tags:
        seg.segment(tag)
    return len(tags), len(set(tags)), len(tags) / (time.process_time() - start)


def write_overlap(data: Path, sets: dict[str, list[Example]]) -> None:
    """The dev figures with and without the hashtags STAN-large train also holds (own section)."""
    seen = train_tags(data)
    if not seen:
        print("skipped the overlap table: no STAN-large train_corrected.tsv")
        return
    body = ("A dev hashtag that STAN-large train also holds was fitted on (the segmenter's weights come from "
            "that train set). taglens accuracy@1 (case-insensitive) on each whole set, on the overlap, and on "
            "the rest; the last column is the honest dev figure.\n\n"
            + markdown_table(["set", "hashtags also in STAN-large train", "all", "overlap", "without overlap"],
                             overlap_rows(load_segmenter("taglens"), sets, seen)))
    write_section("segmentation-overlap", "Hashtag segmentation: dev sets with and without the training overlap",
                  body)
    print(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="taglens only, no RESULTS.md")
    parser.add_argument("--overlap-only", action="store_true",
                        help="only the table with and without the STAN-large train overlap (no speeds)")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    sets = datasets(data)
    if args.overlap_only:
        write_overlap(data, sets)
        return 0
    names = ("taglens",) if args.quick else SEGMENTERS
    rows, results = [], {}
    for name in names:
        predict = load_segmenter(name)
        for set_name, examples in sets.items():
            acc, acc_cs, speed = accuracy(predict, examples)
            results[(name, set_name)] = (acc, acc_cs, speed)
            print(f"{name:12} {set_name:24} n={len(examples):6} acc@1={acc:6.2f} "
                  f"case-sensitive={acc_cs:6.2f} {speed:9.0f} tags/s", flush=True)
    if args.quick:
        return 0
    for set_name, examples in sets.items():
        row: list[object] = [f"{set_name} ({len(examples):,})"]
        for name in names:
            acc, acc_cs, speed = results[(name, set_name)]
            cell = f"**{acc:.2f}**" if name == "taglens" else f"{acc:.2f}"
            row.append(f"{cell} / {acc_cs:.2f} / {speed:,.0f}")
        rows.append(row)
    costs = {name: load_cost(name) for name in names}
    total = sum(len(e) for e in sets.values())
    speed_row: list[object] = ["hashtags/s, one core, cold cache (all sets)"]
    for name in names:
        seconds = sum(len(sets[s]) / results[(name, s)][2] for s in sets)
        speed_row.append(f"{total / seconds:,.0f}")
    rows += [speed_row,
             ["load time, wall / CPU (s; import + load + first tag)"]
             + [f"{costs[n][0]:.2f} / {costs[n][1]:.2f}" for n in names],
             ["peak memory (MB, whole process)"] + [f"{costs[n][2]:.0f}" for n in names]]
    stream = stream_speed(data)
    if stream:
        n_tags, n_distinct, speed = stream
        rows.append([f"hashtags/s, one core, real stream with repeats ({n_tags:,} tags, {n_distinct:,} distinct; "
                     "cached API)", f"{speed:,.0f}", "", ""])
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    body = ("Each cell: accuracy@1 (case-insensitive exact match against any gold, %) / case-sensitive "
            "accuracy (%) / hashtags per second (cold cache). "
            "Dev sets only; STAN-large train fits the taglens weights; nothing called test is read. "
            f"Speeds are per CPU-second of one process; load average at the end of the run: {load} "
            "(a shared machine: contention still slows every segmenter).\n\n"
            + markdown_table(["set (hashtags)", *names], rows))
    write_section("segmentation", "Hashtag segmentation", body)
    write_overlap(data, sets)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Personal style (issue 16): two real users, with and without their profile.

    .venv/bin/python benchmarks/personal.py [--split test|val] [--weight W] [--no-write]

Both users: a hash hold-out (`split_of(id, val=0.3, test=0.3)`: 'test' is
reported, 'val' chose the weight); history = the posts of neither share, in
time order where dates exist (recency counts back from the newest).
(a) kanarinka (instagram-kanarinka-instaloader/posts/kanarinkaprojects): caption
    and photos in, tags hidden.
(b) lna-photo-tags-history: no photos here, so alt text only, tags hidden.

Rows: the model with no profile, with the profile (personal scorer attached,
trust shrunk by profile/shrinkage.py), and the own-tags baseline (the five
tags most used in the history, the same for every post). A@5 and P@5 with a
95% bootstrap interval over posts. Then the shrinkage on both users, and the
cost per post of a 10,000-post profile on one core (goal <= 5 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from _results import markdown_table, shared_data, write_section  # noqa: E402

from taglens.evaluate.metrics import bootstrap_interval, post_metrics  # noqa: E402
from taglens.evaluate.protocol import hide, split_of  # noqa: E402
from taglens.post import Post  # noqa: E402
from taglens.profile.attach import FULL_WEIGHT, fit_profile, personal_recommender  # noqa: E402
from taglens.profile.build import profile_posts  # noqa: E402
from taglens.profile.model import Profile, ProfilePost  # noqa: E402
from taglens.profile.selftrust import fit_self_trust  # noqa: E402
from taglens.profile.slots import SLOT_THRESHOLD  # noqa: E402
from taglens.profile.sources import read_history  # noqa: E402
from taglens.recommend import Recommender  # noqa: E402

KANARINKA = "instagram-kanarinka-instaloader/posts/kanarinkaprojects"
LNA = "lna-photo-tags-history/history.jsonl"


def share(post_id: str) -> str:
    return split_of(post_id, val=0.3, test=0.3)


def own_top(rows: list[ProfilePost], k: int = 5) -> list[str]:
    counts = Counter(key for r in rows for key in r.keys)
    return [key for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def own_recent(rows: list[ProfilePost], k: int = 5) -> list[str]:
    """The `k` tags the user used most recently (newest post first, its tags in order)."""
    out: list[str] = []
    for row in sorted(rows, key=lambda r: r.time, reverse=True):
        out.extend(key for key in row.keys if key not in out)
        if len(out) >= k:
            break
    return out[:k]


# A system to compare with: (row label, full weight, scorer params, slot threshold or None).
System = tuple[str, float, dict, "float | None"]


def evaluate(rec: Recommender, cases: list[tuple[Post, set[str], list[ProfilePost]]], weight: float,
             examples: int = 0, scorer_params: dict | None = None,
             previous: System | None = None,
             others: tuple[System, ...] = ()) -> tuple[dict[str, list[dict[str, float]]], list[str]]:
    """Per-post metrics of the systems; `cases` are (visible post, gold, history rows). `previous`
    is the 'before' system the examples show; `others` only get rows."""
    out: dict[str, list[dict[str, float]]] = {"no profile": [], "with profile": [], "own top-5 tags": [],
                                              "own top-5 by recency": []}
    shown: list[str] = []
    for visible, gold, history in cases:
        plain = [s.key for s in rec.suggest(visible, k=10).hashtags]
        view = personal_recommender(rec, Profile("bench", posts=history), full_weight=weight,
                                    scorer_params=scorer_params)
        mine_pred = view.suggest(visible, k=10)
        mine = [s.key for s in mine_pred.hashtags]
        before: list[str] = []
        for i, (label, w, params, slot) in enumerate(([previous] if previous else []) + list(others)):
            old_view = personal_recommender(rec, Profile("bench", posts=history), full_weight=w,
                                            scorer_params=params, slot_threshold=slot)
            keys = [s.key for s in old_view.suggest(visible, k=10).hashtags]
            out.setdefault(f"with profile ({label})", []).append(post_metrics(keys, gold))
            if i == 0 and previous:
                before = keys
        out["no profile"].append(post_metrics(plain, gold))
        out["with profile"].append(post_metrics(mine, gold))
        out["own top-5 tags"].append(post_metrics(own_top(history), gold))
        out["own top-5 by recency"].append(post_metrics(own_recent(history), gold))
        changed = plain[:5] != mine[:5] or before[:5] not in ([], mine[:5])
        decisive = before and bool(set(before[:5]) & gold) != bool(set(mine[:5]) & gold)
        if examples and changed and (len(shown) < examples or decisive):
            caption = visible.text.strip().replace("\n", " ")[:70] or "(no caption)"
            pics = f", {len(visible.images)} photo(s)" if visible.images else ""
            marks = lambda keys: " ".join(("**#%s**" % k) if k in gold else "#" + k for k in keys[:5])  # noqa: E731
            you = [s.key for s in mine_pred.hashtags[:5] if "you" in s.evidence]
            if len(shown) >= examples:  # a post the two scorers disagree on replaces the oldest ordinary one
                shown.pop(next((i for i, line in enumerate(shown) if "**" not in line), 0))
            shown.append(f"- *{caption}*{pics} — hidden: {' '.join('#' + g for g in sorted(gold))}  \n"
                         f"  no profile: {marks(plain)}  \n"
                         + (f"  {previous[0]}: {marks(before)}  \n" if previous is not None else "")
                         + f"  with profile: {marks(mine)}"
                         f"{'  (you: ' + ' '.join('#' + k for k in you) + ')' if you else ''}")
    return out, shown


def table_rows(name: str, results: dict[str, list[dict[str, float]]]) -> list[list[object]]:
    rows = []
    for system, per_post in results.items():
        row: list[object] = [name, system, len(per_post)]
        for metric in ("A@5", "P@5"):
            values = [m[metric] for m in per_post]
            low, high = bootstrap_interval(values)
            row.append(f"{100 * statistics.fmean(values):.1f} [{100 * low:.1f}-{100 * high:.1f}]" if values else "-")
        rows.append(row)
    return rows


def held_out_cases(posts: list[Post], rows: list[ProfilePost], split: str) -> list:
    """(visible post, gold, history) for the posts of `split`; history = the posts of neither
    held-out share (for 'val', test posts are held out too), in time order."""
    held = {"test": {"test"}, "val": {"test", "val"}}[split]
    history = [r for p, r in zip(posts, rows, strict=True) if share(p.id) not in held]
    cases = []
    for post in posts:
        hidden = hide(post, "caption") if share(post.id) == split else None
        if hidden is not None:
            cases.append((hidden[0], hidden[1], history))
    return cases


def kanarinka_cases(data: Path, split: str) -> tuple[list, list[ProfilePost]]:
    posts = read_history(data / KANARINKA)  # oldest first
    rows = profile_posts(posts)
    return held_out_cases(posts, rows, split), [r for p, r in zip(posts, rows, strict=True) if share(p.id) != "test"]


def kanarinka_time_cases(data: Path, split: str) -> list:
    """Time-ordered: each post of `split` predicted from every post dated before it (any share),
    as the user met it; later posts never help."""
    posts = read_history(data / KANARINKA)  # oldest first
    rows = profile_posts(posts)
    cases = []
    for i, post in enumerate(posts):
        hidden = hide(post, "caption") if share(post.id) == split else None
        if hidden is not None:
            cases.append((hidden[0], hidden[1], rows[:i]))
    return cases


def kanarinka_every_post(data: Path) -> tuple[list, list[str]]:
    """Every tagged post of our half, in time order, each predicted from all posts dated before
    it (any share; the instaloader file names carry the date, so no post needs leave-one-out),
    and each case's share: the 'val' ones are where weights are tuned, the others are reported."""
    posts = read_history(data / KANARINKA)  # oldest first
    rows = profile_posts(posts)
    cases, shares = [], []
    for i, post in enumerate(posts):
        hidden = hide(post, "caption")
        if hidden is not None:
            cases.append((hidden[0], hidden[1], rows[:i]))
            shares.append(share(post.id))
    return cases, shares


def lna_cases(data: Path, split: str) -> tuple[list, list[ProfilePost]]:
    posts = read_history(data / LNA)
    rows = profile_posts(posts, images=False)
    return held_out_cases(posts, rows, split), [r for p, r in zip(posts, rows, strict=True) if share(p.id) != "test"]


def synthetic_profile(rows: list[ProfilePost], n: int, seed: int = 0) -> Profile:
    """`n` posts resampled from real rows, embeddings jittered, tags drawn from a 3,000-tag space."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        base = rows[int(rng.integers(len(rows)))]
        jitter = lambda v: None if v is None else (v + rng.normal(0, 0.05, v.shape)).astype(np.float32)  # noqa: E731
        image = base.image if base.image is not None else rng.normal(0, 1, 1280).astype(np.float32)
        tags = base.tags[:4] + [f"#tag{int(t)}" for t in rng.zipf(1.3, size=6) % 3000]
        out.append(ProfilePost(id=f"s{i}", time=float(i), tags=tags,
                               text=_unit(jitter(base.text)), image=_unit(jitter(image)),
                               words=list(base.words) + [f"w{int(w)}" for w in rng.zipf(1.3, size=8) % 20000]))
    return Profile("synthetic", posts=out)


def _unit(v):  # noqa: ANN001, ANN202
    return None if v is None else v / np.linalg.norm(v)


def cost(rec: Recommender, profile: Profile, posts: list[Post], repeats: int = 3) -> list[float]:
    """Median CPU ms per post without and with the profile (interleaved), their median paired
    difference, and the personal scorer alone on a warm query cache (what it adds itself).

    CPU time (`time.process_time`), not wall time: the benchmark machine is shared, and
    wall time there mostly measures waiting for a core; everything runs on one thread."""
    from taglens.query import Query

    view = personal_recommender(rec, profile)
    scorer = view.scorer("personal")
    for post in posts[:5]:
        rec.suggest(post)
        view.suggest(post)
    plain, mine, diff, alone = [], [], [], []
    for _ in range(repeats):
        for post in posts:
            t0 = time.process_time()
            rec.suggest(post)
            t1 = time.process_time()
            view.suggest(post)
            t2 = time.process_time()
            plain.append(1000 * (t1 - t0))
            mine.append(1000 * (t2 - t1))
            diff.append(1000 * ((t2 - t1) - (t1 - t0)))
            query = Query.from_post(post)
            rec.score_batch([query])  # fills the caption / photo cache the scorer shares
            t3 = time.process_time()
            scorer.score(query, view.vocab)
            alone.append(1000 * (time.process_time() - t3))
    return [statistics.median(x) for x in (plain, mine, diff, alone)]


def speed_table(rec: Recommender, k_cases: list, k_rows: list[ProfilePost], l_cases: list) -> str:
    big = synthetic_profile(k_rows, 10_000)
    text_posts = [c[0] for c in l_cases][:40]
    photo_posts = [c[0] for c in k_cases if c[0].images][:15]
    lines = []
    for label, posts in (("text-only (photographer alt texts)", text_posts),
                         ("caption + photos (kanarinka)", photo_posts)):
        if posts:
            plain, mine, diff, alone = cost(rec, big, posts)
            lines.append([label, len(posts), f"{plain:.1f}", f"{mine:.1f}", f"{diff:+.2f}", f"{alone:.2f}"])
    fit_ms = []
    for _ in range(3):  # the create-time replay (profile/selftrust.py), capped at its last 200 posts
        t0 = time.process_time()
        fit_self_trust(big)
        fit_ms.append(1000 * (time.process_time() - t0))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (markdown_table(["posts", "n", "no profile (CPU ms, median)", "10,000-post profile (CPU ms, median)",
                            "extra per post (CPU ms, median paired difference)",
                            "personal scorer alone (CPU ms, median)"], lines)
            + f"\nFitting the self-trust of that profile (at create / feedback time, not per suggest): "
            f"{statistics.median(fit_ms):.0f} CPU ms (median of 3).\n"
            + f"\nLoad average after the run (1, 5, 15 min): {load} on {os.cpu_count()} cores.\n")


FULL_WEIGHT_BEFORE = 50.0  # the previous (relative-vote) scorer's full-trust weight, for the 'before' rows
# 'Before' of the self-trust change: the calibrated scorer as it shipped, without the top-5 slot rule.
NO_SLOT: System = ("before: no slot rule", FULL_WEIGHT, {}, None)
RELATIVE: System = ("previous relative-vote scorer", FULL_WEIGHT_BEFORE, {"absolute": False}, None)


def every_post_tables(res: dict[str, list[dict[str, float]]], shares: list[str]) -> tuple[str, str]:
    """The every-post table (reported posts, the tuned-on 'val' posts, all) and the paired
    differences on the reported posts, with bootstrap intervals."""
    groups = (("reported: train + test shares", [s != "val" for s in shares]),
              ("tuned on: val share", [s == "val" for s in shares]), ("all", [True] * len(shares)))
    systems = res
    rows = []
    for label, mask in groups:
        picked = {name: [m for m, keep in zip(per, mask, strict=True) if keep] for name, per in systems.items()}
        rows += table_rows(f"kanarinka, every post ({label})", picked)
    reported = [s != "val" for s in shares]
    mine = [m for m, keep in zip(res["with profile"], reported, strict=True) if keep]
    pairs = []
    for name, per in systems.items():
        if name == "with profile":
            continue
        other = [m for m, keep in zip(per, reported, strict=True) if keep]
        row: list[object] = [f"with profile − {name}", len(mine)]
        for metric in ("A@5", "P@5"):
            diff = [a[metric] - b[metric] for a, b in zip(mine, other, strict=True)]
            low, high = bootstrap_interval(diff)
            row.append(f"{100 * statistics.fmean(diff):+.1f} [{100 * low:+.1f} to {100 * high:+.1f}]")
        pairs.append(row)
    return (markdown_table(["user", "system", "posts", "A@5 [95% CI]", "P@5 [95% CI]"], rows),
            markdown_table(["paired difference (reported posts)", "posts", "A@5 [95% CI]", "P@5 [95% CI]"], pairs))


def user_tag_facts(cases: list, shares: list[str], plain: list[dict[str, float]]) -> str:
    """What the user's tags look like, and how many posts the history can answer at all."""
    counts = Counter(k for _, gold, _ in cases for k in gold)
    once = sum(1 for c in counts.values() if c == 1)
    reach = [bool(gold & {k for r in history for k in r.keys}) for _, gold, history in cases]
    either = [r or bool(m["A@5"]) for r, m in zip(reach, plain, strict=True)]
    reported = [r for r, s in zip(reach, shares, strict=True) if s != "val"]
    top = ", ".join(f"#{k} {n}" for k, n in counts.most_common(6))
    return (f"kanarinka, our half: {len(cases)} tagged posts, {sum(counts.values())} tag uses, {len(counts)} distinct "
            f"tags, {once} of them ({100 * once / max(len(counts), 1):.0f}%) used once; most used: {top}. "
            f"Posts with at least one hidden tag that occurs in the posts before them (the most any profile can "
            f"find from history): {sum(reach)} of {len(cases)} ({100 * statistics.fmean(reach):.1f}%); on the reported "
            f"posts {sum(reported)} of {len(reported)} ({100 * statistics.fmean(reported):.1f}%). The other "
            f"{100 * (1 - statistics.fmean(reach)):.0f}% carry only tags the user had never used before. "
            f"The ceiling of any fusion of this model with this history (a post counts when the model's own top 5 "
            f"hits or a hidden tag is in the history): {100 * statistics.fmean(either):.1f}% of all {len(cases)} "
            "posts.\n")


def self_trust_cells(fit) -> list[str]:  # noqa: ANN001 - a PersonalFit
    """The replay fit (profile/selftrust.py) as table cells."""
    st = fit.self_trust
    return [str(st.replayed), f"{st.hits:.0f} / {st.expected:.2f}", f"{st.scale:.3f}"]


def mean_of(per_post: list[dict[str, float]], metric: str) -> float:
    return 100 * statistics.fmean(m[metric] for m in per_post) if per_post else float("nan")


def with_profile(rec: Recommender, cases: list, weight: float, params: dict,
                 slot: float | None = SLOT_THRESHOLD) -> list[dict[str, float]]:
    """Per-post metrics of the profile system alone (one view per distinct history)."""
    views: dict[int, Recommender] = {}
    out = []
    for visible, gold, history in cases:
        view = views.get(id(history))
        if view is None:
            view = views[id(history)] = personal_recommender(rec, Profile("bench", posts=history),
                                                             full_weight=weight, scorer_params=params,
                                                             slot_threshold=slot)
        out.append(post_metrics([s.key for s in view.suggest(visible, k=10).hashtags], gold))
    return out


def tune(rec: Recommender, data: Path, grid: list[tuple[str, float, dict, float | None]]) -> None:
    """The grid the shipped settings were chosen on: kanarinka's 'val'-share posts (every post in
    time order) and the photographer's 'val' share; never the posts the tables report."""
    every, shares = kanarinka_every_post(data)
    k_val = [c for c, s in zip(every, shares, strict=True) if s == "val"]
    l_val, _ = lna_cases(data, "val")
    rows = []
    for label, weight, params, slot in grid:
        k_res, l_res = with_profile(rec, k_val, weight, params, slot), with_profile(rec, l_val, weight, params, slot)
        row = [label, f"{weight:g}", "off" if slot is None else f"{slot:g}", len(k_val), f"{mean_of(k_res, 'A@5'):.1f}", f"{mean_of(k_res, 'P@5'):.1f}",
               len(l_val), f"{mean_of(l_res, 'P@5'):.1f}"]
        rows.append(row)
        print(" | ".join(map(str, row)), flush=True)
    print(markdown_table(["scorer", "full weight", "slot threshold", "kanarinka val posts", "A@5", "P@5", "photographer val posts",
                          "P@5"], rows))


# What was tried (each run printed its rows; see RESULTS.md): the previous scorer; calibrated with
# kernel 0.2 / 0.3, prior 0.1 / 0.3, full weight 50 / 100, word weight 0 / 0.25 / 0.5 / 1 (beta 2 / 10 / 30).
# Then (issue 16 follow-up) the top-5 slot threshold at the user's own replay-fitted trust, at the
# shipped scorer settings: off / 0.1 / 0.15 / 0.2 / 0.3 / 0.4.
TUNE_GRID = [("previous scorer", FULL_WEIGHT_BEFORE, {"absolute": False}, None)] + [
    ("calibrated kernel=0.2 prior=0.3 words=0", FULL_WEIGHT, {}, slot) for slot in (None, 0.1, 0.15, 0.2, 0.3, 0.4)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--weight", type=float, default=FULL_WEIGHT, help="full-trust weight (default: shipped)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--tune", action="store_true", help="print the tuning grid on the 'val' posts only")
    parser.add_argument("--speed-only", action="store_true", help="only the 10,000-post cost (prints, writes nothing)")
    args = parser.parse_args()
    data = shared_data()
    if data is None:
        return 0
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    rec = Recommender.load()
    if args.tune:
        tune(rec, data, TUNE_GRID)
        return 0
    if args.speed_only:
        k_cases, k_rows = kanarinka_cases(data, "test")
        l_cases, _ = lna_cases(data, "test")
        print(speed_table(rec, k_cases, k_rows, l_cases))
        return 0
    every, shares = kanarinka_every_post(data)
    e_res, e_examples = evaluate(rec, every, args.weight, examples=7, previous=NO_SLOT, others=(RELATIVE,))
    every_table, paired_table = every_post_tables(e_res, shares)
    facts = user_tag_facts(every, shares, e_res["no profile"])
    print(every_table)
    print(paired_table)
    print(facts)
    k_cases, k_rows = kanarinka_cases(data, args.split)
    l_cases, l_rows = lna_cases(data, args.split)
    k_res, k_examples = evaluate(rec, k_cases, args.weight, examples=4, previous=NO_SLOT, others=(RELATIVE,))
    t_res, _ = evaluate(rec, kanarinka_time_cases(data, args.split), args.weight, previous=NO_SLOT,
                        others=(RELATIVE,))
    l_res, l_examples = evaluate(rec, l_cases, args.weight, examples=3, previous=NO_SLOT, others=(RELATIVE,))
    rows = (table_rows("kanarinka (caption + photos)", k_res)
            + table_rows("kanarinka, time-ordered (history: the posts before it)", t_res)
            + table_rows("photographer (alt text only)", l_res))
    table = markdown_table(["user", "system", "posts", "A@5 [95% CI]", "P@5 [95% CI]"], rows)
    print(table)
    shrink_rows = []
    for name, history in (("kanarinka (history: non-test posts)", k_rows), ("photographer (history: non-test posts)", l_rows)):
        fit = fit_profile(rec, Profile(name, posts=history), args.weight)
        t = fit.trust
        shrink_rows.append([name, t.posts, t.uses, f"{t.prior_strength:.1f}", f"{t.trust:.3f}",
                            f"{fit.weight:.2f}", f"{t.loo_gain:.2f}",
                            "yes" if fit.kinds.drop_engagement else "no", *self_trust_cells(fit)])
    for n in (5, 20, 80):
        history = k_rows[:0] + [r for r in l_rows if r.keys][:n]
        fit = fit_profile(rec, Profile("lna-small", posts=history), args.weight)
        shrink_rows.append([f"photographer, first {n} posts only", fit.trust.posts, fit.trust.uses,
                            f"{fit.trust.prior_strength:.1f}", f"{fit.trust.trust:.3f}", f"{fit.weight:.2f}",
                            f"{fit.trust.loo_gain:.2f}", "yes" if fit.kinds.drop_engagement else "no",
                            *self_trust_cells(fit)])
    shrink = markdown_table(["profile", "tagged posts", "tag uses N", "prior strength m", "trust λ = N/(N+m)",
                             "attached weight", "LOO gain (nats/use)", "engagement tags dropped",
                             "replayed posts", "top tag right / expected", "self-trust scale"], shrink_rows)
    print(shrink)
    speed = "" if args.skip_speed else speed_table(rec, k_cases, k_rows, l_cases)
    print(speed)
    print("\n".join(k_examples + l_examples))
    if args.no_write or args.split != "test":
        return 0
    body = ("**Self-trust and the top-5 slot** (profile/selftrust.py, profile/slots.py). Each profile's trust in "
            "the personal scorer is fitted on that user's own history: its last ≤ 200 tagged posts are replayed in "
            "time order, each predicted from the posts before it (stored embeddings, no encoder), and the scorer's "
            "top tag's hits over its expected hits (the sum of its P) is the user's scale, shrunk to 1 by the number "
            "of posts replayed (10 posts = half weight). The scorer's surest tag then gets the fifth place when "
            "scale x P ≥ 0.1. In this benchmark every evaluated post's profile is the posts before it (kanarinka) "
            "or the non-held-out posts (photographer), so the fit never sees an evaluated post's tags. Threshold "
            "chosen on the 'val' posts only (`--tune`, 2026-12-02): kanarinka's 8 val posts A@5 25.0 without the "
            "rule, 37.5 at 0.1, 25.0 at 0.15 / 0.2 / 0.3 / 0.4; photographer's 72 val posts P@5 79.7 at every "
            "threshold; two slots tied with one at 0.1, three cost the photographer (79.4). *before: no slot rule* = "
            "the calibrated scorer as it shipped before this change; *previous relative-vote scorer* = the one "
            "before that (weight 50); same process.\n\n"
            "**kanarinka, every post in time order.** Each tagged post of our half (caption and photos in, "
            "tags hidden) is predicted from every post dated before it, as the user met them (instaloader's file "
            "names carry the date). The scorer's settings (kernel, prior, word weight, full-trust weight) were "
            f"chosen with `python benchmarks/personal.py --tune` on the 'val'-share posts only ({shares.count('val')} "
            "kanarinka posts, neutral between settings, and the photographer's 72 'val' posts); the 'reported' rows "
            "are the other posts, never tuned on. On those tuning posts (`--tune`, 2026-12-02): photographer "
            "val P@5 previous scorer 78.9, calibrated kernel 0.2 / prior 0.3 79.7 (kernel 0.3: 78.6; prior 0.1: 79.2; "
            "full weight 100: 77.5), with the caption-word association 74.4 (word weight 0.5) and 66.7 (1.0), so it "
            "ships off; kanarinka's 8 val posts A@5 25.0 for every setting.\n\n" + every_table + "\n" + paired_table + "\n" + facts +
            "\n**Examples** (every-post run, bold = a hidden tag):\n\n" + "\n".join(e_examples) + "\n\n"
            f"**Split tables.** Split: `split_of(id, val=0.3, test=0.3)`; this table is the 'test' share; the full-trust weight "
            f"({args.weight:g} x the combiner's unit) was chosen on the 'val' share. History = every non-test post "
            "(time order for recency). kanarinka: caption and photos in, tags hidden; the time-ordered rows predict "
            "each held-out post from every post dated before it instead. Photographer: alt text in "
            "(no photos here), tags hidden.\n\n" + table +
            "\n**Shrinkage** (profile/shrinkage.py: Dirichlet prior centred on the model's tag frequencies, "
            "strength m fitted by leave-one-post-out likelihood on the user's own posts; trust λ = N/(N+m); "
            "attached weight = full weight x λ) and the self-trust fitted by replay (last three columns):\n\n"
            + shrink +
            ("\n**Cost** of a 10,000-post profile (synthetic: real rows resampled, embeddings jittered), one core, "
             "same posts, interleaved:\n\n" + speed if speed else "") +
            "\n**Examples** (test share; bold = a hidden tag):\n\n" + "\n".join(k_examples + l_examples) + "\n")
    write_section("personal", "Personal style: two real users, with and without their profile", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

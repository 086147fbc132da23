"""Evaluation reports: Markdown, JSON and PNG charts from `runner.Evaluation`s.

    write_report([evaluation], "report/", title="TweetEval val, caption only")

writes report.md (one table per task, per-topic breakdown, segmentation
ablation), results.json (every number), and for each task a_at_5_<task>.png
(every system's A@5 and P@1) and topics_<task>.png.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from taglens.evaluate.metrics import METRIC_NAMES

COLUMNS = (*METRIC_NAMES, "SimAcc@10")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def systems_table(systems: dict[str, dict[str, float]]) -> str:
    """Markdown table: one row per system, metrics in percent."""
    present = [c for c in COLUMNS if any(c in m for m in systems.values())]
    lines = ["| system | " + " | ".join(present) + " |", "|---|" + "---:|" * len(present)]
    for name, metrics in systems.items():
        lines.append(f"| {name} | " + " | ".join(pct(metrics.get(c)) for c in present) + " |")
    return "\n".join(lines) + "\n"


def evaluation_markdown(ev, title: str = "") -> str:
    """One task's section: the table, the per-topic breakdown, the ablation, notes."""
    d = ev.to_dict()
    out = [f"### {title or 'task'}: `{ev.task}` ({ev.n} posts, {ev.skipped} skipped)\n",
           systems_table(ev.systems)]
    if ev.intervals:
        spans = ", ".join(f"{m} {100 * lo:.1f}–{100 * hi:.1f}" for m, (lo, hi) in ev.intervals.items())
        out.append(f"\nThe model's 95% bootstrap interval over posts (2,000 resamples): {spans}.\n")
    if getattr(ev, "claims", None):
        from taglens.evaluate.claims import claims_table

        out += ["\nUnsupported claims in the top 5 (evaluate/claims.py; % of posts):\n\n", claims_table(ev.claims)]
    if ev.ablation:
        out += ["\nSegmentation ablation (the model, hashtags as words vs as one token):\n\n",
                systems_table(ev.ablation)]
    if ev.per_topic:
        out += ["\nPer topic (the model; topic from the post, else the model's topic classifier):\n\n",
                systems_table({f"{t} (n={int(m['n'])})": m for t, m in ev.per_topic.items()})]
    for note in d["notes"]:
        out.append(f"\n*Note:* {note}\n")
    return "".join(out)


def write_report(evaluations: Sequence, folder: str | Path, titles: Sequence[str] = ()) -> Path:
    """Write report.md, results.json and PNG charts into `folder`; return report.md."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    titles = list(titles) or [ev.task for ev in evaluations]
    (root / "results.json").write_text(json.dumps(
        [{"title": t, **ev.to_dict()} for t, ev in zip(titles, evaluations, strict=True)], indent=2))
    parts = ["# taglens evaluation\n\nMetrics in percent; every row saw the same posts. "
             "P/R/A@K as HARRISON defines them; SimAcc@10 is the original project's similarity accuracy.\n\n"]
    for title, ev in zip(titles, evaluations, strict=True):
        parts.append(evaluation_markdown(ev, title) + "\n")
        for chart in _charts(ev, root, title):
            parts.append(f"![{chart.stem}]({chart.name})\n\n")
    report = root / "report.md"
    report.write_text("".join(parts))
    return report


def _charts(ev, root: Path, title: str) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    name = title if title == ev.task else f"{title}_{ev.task}"
    slug = "".join(c if c.isalnum() else "_" for c in name).strip("_").lower()
    paths = [_bar_chart(plt, ev.systems, root / f"systems_{slug}.png", f"{title}: A@5 and P@1 per system")]
    if ev.per_topic:
        paths.append(_bar_chart(plt, ev.per_topic, root / f"topics_{slug}.png", f"{title}: per topic"))
    return paths


def _bar_chart(plt, rows: dict[str, dict[str, float]], path: Path, title: str) -> Path:  # noqa: ANN001
    names = list(rows)
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(names) + 1.5))
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], [100 * rows[n].get("A@5", 0) for n in names], height=0.4, label="A@5")
    ax.barh([i - 0.2 for i in y], [100 * rows[n].get("P@1", 0) for n in names], height=0.4, label="P@1")
    ax.set_yticks(list(y), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("percent")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path

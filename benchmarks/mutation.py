"""Mutation score of the evaluation code and the combiner: do the tests notice a bug?

    .venv/bin/python benchmarks/mutation.py [--max-children 2] [--only evaluate/metrics.py ...]

mutmut (a dev dependency) rewrites `src/taglens/evaluate/*.py` and
`src/taglens/models/combiner.py` one small change at a time (an operator, a
constant, a dropped call) and runs the tests that reach the changed function; a
mutant the tests still pass on *survived*. It runs in a throw-away copy of the
project under /tmp (mutmut writes its `mutants/` folder beside the sources), with
the evaluation and combiner tests only, and writes the score and the surviving
mutants per file to the "mutation" section of benchmarks/RESULTS.md. Not run in CI:
it takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _results import markdown_table, publish  # noqa: E402

TARGETS = ["src/taglens/evaluate/metrics.py", "src/taglens/evaluate/protocol.py",
           "src/taglens/evaluate/dedup.py", "src/taglens/evaluate/baselines.py",
           "src/taglens/evaluate/runner.py", "src/taglens/evaluate/report.py",
           "src/taglens/models/combiner.py"]
TESTS = ["tests/test_evaluate_integrity.py", "tests/test_text_evaluate.py", "tests/test_evaluate_dedup.py",
         "tests/test_text_fusion.py", "tests/test_combiner_trees.py"]


def config(targets: list[str]) -> str:
    """The [tool.mutmut] block of the copy's pyproject.toml."""
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    return ("\n[tool.mutmut]\nsource_paths = [\"src\"]\n"
            f"only_mutate = {toml_list(targets)}\n"
            f"pytest_add_cli_args_test_selection = {toml_list(TESTS)}\n"
            "pytest_add_cli_args = [\"-p\", \"no:cacheprovider\", \"-q\"]\n")


def copy_project(work: Path, targets: list[str]) -> Path:
    project = work / "taglens"
    for name in ("src", "tests", "benchmarks"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", ".cache",
                                                                                  "reports", "*.png"))
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (project / "pyproject.toml").write_text(text + config(targets), encoding="utf-8")
    return project


def results(project: Path) -> dict[str, str]:
    """mutant name -> status, from `mutmut results --all true`."""
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=project,
                         capture_output=True, text=True)
    statuses: dict[str, str] = {}
    for line in out.stdout.splitlines():
        if ":" in line:
            name, status = line.rsplit(":", 1)
            statuses[name.strip()] = status.strip()
    return statuses


def file_of(mutant: str) -> str:
    """'taglens.evaluate.metrics.x_precision_at__mutmut_3' -> 'evaluate/metrics.py'."""
    parts = mutant.split(".")
    module = [p for p in parts if not p.startswith("x") and "__mutmut_" not in p]
    return "/".join(module[1:]) + ".py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="a subset of the targets (paths under src/taglens/)")
    args = parser.parse_args()
    targets = [t for t in TARGETS if not args.only or any(t.endswith(o) for o in args.only)]
    with tempfile.TemporaryDirectory(prefix="taglens-mutmut-") as tmp:
        project = copy_project(Path(tmp), targets)
        start = time.time()
        run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)],
                             cwd=project, capture_output=True, text=True)
        minutes = (time.time() - start) / 60
        statuses = results(project)
    if not statuses:
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
        return 1
    per_file: dict[str, Counter] = {}
    for name, status in statuses.items():
        per_file.setdefault(file_of(name), Counter())[status] += 1
    rows = []
    total = Counter()
    for path, counts in sorted(per_file.items()):
        total.update(counts)
        rows.append(score_row(path, counts))
    rows.append(score_row("**all**", total))
    survivors = sorted(n for n, s in statuses.items() if s == "survived")
    body = ("mutmut 3 on the evaluation code and the combiner, with the evaluation and combiner tests "
            f"({', '.join(f'`{t}`' for t in TESTS)}); {minutes:.0f} min. Score = killed / (killed + survived); "
            "timeouts count as killed, mutants no test reaches are listed apart.\n\n"
            + markdown_table(["file", "mutants", "killed", "survived", "no tests", "score"], rows)
            + f"\nSurviving mutants ({len(survivors)}; `mutmut show NAME` in a copy shows each): "
            + ", ".join(f"`{n.split('.')[-1]}`" for n in survivors[:60])
            + (" …" if len(survivors) > 60 else "") + "\n")
    return publish("mutation", "Mutation testing (evaluation and combiner)", body)


def score_row(path: str, counts: Counter) -> list[object]:
    killed = counts["killed"] + counts["timeout"]
    survived = counts["survived"]
    scored = killed + survived
    return [path, sum(counts.values()), killed, survived, counts["no tests"],
            f"{100 * killed / scored:.1f} %" if scored else "–"]


if __name__ == "__main__":
    sys.exit(main())

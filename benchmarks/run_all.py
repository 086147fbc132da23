"""Run every benchmark in turn (`make bench`); each writes its own section of RESULTS.md.

Benchmarks that need ../shared/data skip with a message where it is absent. A
failing benchmark is reported and the others still run; the exit status is the
number of failures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if not p.name.startswith(("_", "run_all")))
    failures = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)])
        print(f"== {script.name}: exit {code} in {time.perf_counter() - start:.0f} s", flush=True)
        failures += code != 0
    return failures


if __name__ == "__main__":
    sys.exit(main())

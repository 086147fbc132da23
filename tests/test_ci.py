"""CI's own rules: a failed tool install fails .ci/run, and in CI a skip is a failure
unless it is for missing ../shared data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fake_bin(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/usr/bin/env bash\n" + body + "\n")
    path.chmod(0o755)


def _run_ci_copy(tmp_path: Path, apt_body: str) -> subprocess.CompletedProcess:
    """A copy of .ci/ whose installs are stubbed: a tool that is missing and a fake apt-get;
    `make` is stubbed too, so the copy never runs the real suite."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / ".ci", repo / ".ci")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_bin(bin_dir, "fake-apt", apt_body)
    _fake_bin(bin_dir, "make", 'echo "make $*" > "$(dirname "$0")/make-ran"')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "TAGLENS_CI_APT": "fake-apt",
           "TAGLENS_CI_TOOLS": "taglens-missing-browser:chromium bash:bash"}
    return subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, capture_output=True, text=True,
                          timeout=60)


def test_ci_fails_when_an_install_fails(tmp_path: Path) -> None:
    done = _run_ci_copy(tmp_path, "exit 100")
    assert done.returncode != 0
    assert "could not install chromium" in done.stderr
    assert not (tmp_path / "bin" / "make-ran").exists()  # the tests never ran with the browser missing


def test_ci_fails_when_the_install_does_not_bring_the_command(tmp_path: Path) -> None:
    done = _run_ci_copy(tmp_path, "exit 0")  # 'succeeds' but installs nothing
    assert done.returncode != 0 and "still not on PATH" in done.stderr


def test_ci_runs_the_tests_once_the_install_works(tmp_path: Path) -> None:
    body = ('[ "$1" = install ] && { printf "#!/bin/sh\\n" > "$(dirname "$0")/taglens-missing-browser"; '
            'chmod +x "$(dirname "$0")/taglens-missing-browser"; }; exit 0')
    done = _run_ci_copy(tmp_path, body)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "bin" / "make-ran").read_text().strip() == "make test"


def test_in_ci_a_skip_fails_unless_shared_data_is_missing(tmp_path: Path) -> None:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_module_skip.py").write_text(
        'import pytest\npytest.importorskip("taglens_no_such_module")\n\ndef test_x():\n    pass\n')
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\n"
        "def test_tool_missing():\n    pytest.skip('no chromium')\n\n"
        "def test_data_missing():\n    pytest.skip('no shared data at ../shared/data')\n\n"
        "def test_passes():\n    assert True\n")

    def run(ci: bool) -> str:
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        if ci:
            env["CI"] = "true"
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "--continue-on-collection-errors", str(tmp_path)],
                              env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        return done.stdout.strip().splitlines()[-1]

    on_ci = run(ci=True)
    assert "1 failed" in on_ci and "1 error" in on_ci and "1 skipped" in on_ci and "1 passed" in on_ci, on_ci
    local = run(ci=False)
    assert "3 skipped" in local and "failed" not in local and "error" not in local, local

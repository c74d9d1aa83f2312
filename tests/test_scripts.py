"""`bash scripts/test`: every check runs and reports, whichever failed before it, and the
exit status says whether any failed. The script itself runs, in a copy of the checkout whose
tools are stand-ins that note their calls (nothing is installed, no test runs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each stand-in notes its arguments (and the PostgreSQL address pytest was given) and exits
# with the status its variable names: python (pytest) with PYTEST_SCALEOUT_RC in scale-out
# mode; services prints the PostgreSQL address when it succeeds.
STUBS = {
    ".venv/bin/ruff": 'echo "ruff $*" >> "$CALLS"; exit "${RUFF_RC:-0}"',
    ".venv/bin/mypy": 'echo "mypy $*" >> "$CALLS"; exit "${MYPY_RC:-0}"',
    ".venv/bin/python": 'echo "python $* postgres=${SALON_TEST_POSTGRES:-}" >> "$CALLS"\n'
                        '[ -n "${SALON_TEST_POSTGRES:-}" ] && exit "${PYTEST_SCALEOUT_RC:-0}"\n'
                        'exit "${PYTEST_RC:-0}"',
    "scripts/services": 'echo services >> "$CALLS"\n'
                        '[ -n "${SERVICES_RC:-}" ] && exit "$SERVICES_RC"\n'
                        'echo postgresql://pg.test',
    "scripts/pgvector": 'echo pgvector >> "$CALLS"; exit "${PGVECTOR_RC:-0}"',
}


def _checkout(tmp_path: Path) -> Path:
    """scripts/test beside stand-ins for .venv's tools and scripts/services."""
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test", tmp_path / "scripts" / "test")
    for path, body in STUBS.items():
        (tmp_path / path).write_text(f"#!/usr/bin/env bash\n{body}\n")
        (tmp_path / path).chmod(0o755)
    return tmp_path


def _run(tmp_path: Path, **codes: str) -> tuple[int, list[str], list[str]]:
    """Exit status, the summary's lines and the tools' calls."""
    checkout = _checkout(tmp_path)
    calls = tmp_path / "calls"
    calls.touch()
    env = {"PATH": "/usr/bin:/bin", "CALLS": str(calls), "SALON_TEST_SKIP_INSTALL": "1",
           "SALON_TEST_WORKERS": "2", **codes}
    done = subprocess.run(["bash", str(checkout / "scripts" / "test"), "-x", "tests/a.py"],
                          env=env, capture_output=True, text=True, timeout=60)
    out = done.stdout.splitlines()
    assert "== summary" in out, done.stdout + done.stderr
    return done.returncode, out[out.index("== summary") + 1:], calls.read_text().splitlines()


def test_all_passing(tmp_path: Path) -> None:
    rc, summary, calls = _run(tmp_path)
    assert rc == 0
    assert summary == ["ruff: passed", "mypy: passed", "sqlite: passed", "scaleout: passed"]
    assert calls == ["ruff check salon tests", "mypy ",
                     "python -m pytest -n 2 --dist worksteal -x tests/a.py postgres=",
                     "services", "pgvector",
                     "python -m pytest -p no:cacheprovider -n 2 --dist worksteal -x tests/a.py "
                     "postgres=postgresql://pg.test"]


@pytest.mark.parametrize(("codes", "summary"), [
    ({"PYTEST_RC": "1"},  # SQLite fails: scale-out runs and reports all the same
     ["ruff: passed", "mypy: passed", "sqlite: FAILED (1)", "scaleout: passed"]),
    ({"PYTEST_SCALEOUT_RC": "2"},
     ["ruff: passed", "mypy: passed", "sqlite: passed", "scaleout: FAILED (2)"]),
    ({"RUFF_RC": "1", "MYPY_RC": "1"},  # lint failures hide no test results
     ["ruff: FAILED (1)", "mypy: FAILED (1)", "sqlite: passed", "scaleout: passed"]),
    ({"SERVICES_RC": "1"},  # PostgreSQL could not be started
     ["ruff: passed", "mypy: passed", "sqlite: passed", "scaleout: FAILED (1)"]),
])
def test_a_failure_hides_nothing_and_fails_the_run(
        tmp_path: Path, codes: dict[str, str], summary: list[str]) -> None:
    rc, said, calls = _run(tmp_path, **codes)
    assert rc == 1
    assert said == summary
    assert calls[0].startswith("ruff") and calls[1].startswith("mypy")
    assert "python -m pytest -n 2 --dist worksteal -x tests/a.py postgres=" in calls
    if "SERVICES_RC" not in codes:
        assert calls[-1].endswith("postgres=postgresql://pg.test")


def test_scale_out_runs_without_pgvector_when_it_cannot_be_built(tmp_path: Path) -> None:
    rc, summary, calls = _run(tmp_path, PGVECTOR_RC="1")
    assert rc == 0 and summary[-1] == "scaleout: passed"
    assert calls[-2:] == ["pgvector", "python -m pytest -p no:cacheprovider -n 2 "
                          "--dist worksteal -x tests/a.py postgres=postgresql://pg.test"]


def test_one_mode(tmp_path: Path) -> None:
    rc, summary, _ = _run(tmp_path, SALON_TEST_MODES="sqlite")
    assert (rc, summary) == (0, ["ruff: passed", "mypy: passed", "sqlite: passed"])
    rc, summary, _ = _run(tmp_path / "other", SALON_TEST_MODES="sqlite postgres")
    assert (rc, summary[-1]) == (1, "postgres: FAILED (2)")


@pytest.mark.parametrize(("workers", "flag"), [
    ({}, f"-n {min(len(os.sched_getaffinity(0)), 4)} "),  # every core, at most four
    ({"SALON_TEST_WORKERS": "16"}, "-n 4 "), ({"SALON_TEST_WORKERS": "0"}, "-n 0 ")])
def test_pytest_runs_on_every_core(tmp_path: Path, workers: dict[str, str], flag: str) -> None:
    checkout = _checkout(tmp_path)
    (tmp_path / "calls").touch()
    env = {"PATH": "/usr/bin:/bin", "CALLS": str(tmp_path / "calls"),
           "SALON_TEST_SKIP_INSTALL": "1", "SALON_TEST_MODES": "sqlite", **workers}
    subprocess.run(["bash", str(checkout / "scripts" / "test")], env=env, check=True,
                   capture_output=True, timeout=60)
    (pytest,) = [c for c in (tmp_path / "calls").read_text().splitlines() if "pytest" in c]
    assert flag + "--dist worksteal" in pytest


def test_ci_runs_the_script() -> None:
    assert "exec bash scripts/test" in (ROOT / ".ci" / "run").read_text()

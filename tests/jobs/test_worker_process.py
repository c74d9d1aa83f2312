"""`salon worker` as docker or systemd run it: SIGTERM stops it cleanly, on any database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from salon.cli import main
from tests.conftest import settings_for
from tests.databases import Databases, process_env


def _run_until_started(env: dict[str, str], log: Path) -> int:
    """Start `salon worker`, wait for it to say it started, SIGTERM it: its exit status."""
    with open(log, "w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "salon"), "worker"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        for _ in range(300):
            if "jobs at a time" in log.read_text():
                break
            assert proc.poll() is None, log.read_text()
            time.sleep(0.05)
        else:
            raise AssertionError("the worker did not start: " + log.read_text())
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=15)


def test_sigterm_lets_the_worker_finish_and_exit(tmp_path: Path, databases: Databases) -> None:
    database = databases.fresh(tmp_path)
    env = {**process_env(settings_for(tmp_path, database)), "SALON_WORKER_CONCURRENCY": "2"}
    try:
        assert _run_until_started(env, tmp_path / "worker.log") == 0
        text = (tmp_path / "worker.log").read_text()
        assert "started, 2 jobs at a time" in text and "stopped" in text, text
    finally:
        databases.drop(database)


def test_a_fresh_embedded_database_is_migrated_first(tmp_path: Path) -> None:
    """A worker started before any server must not fail on missing tables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALON_")}
    env["SALON_DATA_DIR"] = str(tmp_path)
    assert _run_until_started(env, tmp_path / "worker.log") == 0
    assert "Traceback" not in (tmp_path / "worker.log").read_text()


def test_bad_settings_are_named_not_dumped(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["worker"], env={
        "SALON_DATA_DIR": str(tmp_path), "SALON_WORKER_CONCURRENCY": "0"})
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Fix these settings: SALON_WORKER_CONCURRENCY: Input should be greater than "
        "or equal to 1")

"""Schemathesis fuzzes the API from its own /openapi.json against a real server: for a
token of each scope (and none), no answer is a 5xx, and every status code, content type
and body is the one the description promises. Bounded: a fixed number of examples per
operation and a fixed seed, so a run takes a few minutes and fails the same way twice."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from salon.accounts import service as accounts
from salon.db.session import Database
from salon.oauth import service as oauth
from tests.conftest import PASSWORD, _free_port, salon_serve, settings_for
from tests.databases import Databases, process_env

# What each run's token may do: one of each kind an app can ask for, and none at all.
SCOPES = ["read write follow push profile", "read", "write", "profile", "push", ""]
EXAMPLES = int(os.environ.get("SALON_FUZZ_EXAMPLES", "8"))
SEED = 20261205
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")


async def _prepare(database: Database) -> dict[str, str]:
    """Two people with a few posts between them, and a token of each scope for one."""
    async with database.transaction() as session:
        alice = await accounts.register(session, "alice", PASSWORD)
        await accounts.register(session, "bob", PASSWORD)
        app = await oauth.create_app(session, "fuzz", oauth.OOB,
                                     "read write follow push profile")
        tokens = {}
        for scopes in SCOPES:
            if scopes:
                issued = await oauth.issue_for(session, app, alice, scopes.split())
                tokens[scopes] = issued.access_token
    return tokens


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory,
                  databases: Databases) -> Iterator[tuple[str, dict[str, str]]]:
    data = tmp_path_factory.mktemp("fuzz")
    port = _free_port()
    database = databases.fresh(data)
    settings = settings_for(data, database)
    env = {**process_env(settings), "SALON_BASE_URL": f"http://127.0.0.1:{port}",
           "SALON_SIGNUPS_PER_HOUR": "100000", "SALON_LOGIN_ATTEMPTS_PER_MINUTE": "100000"}

    async def prepare() -> dict[str, str]:
        db = Database(settings)
        try:
            return await _prepare(db)
        finally:
            await db.dispose()

    try:
        with salon_serve(env, data / "server.log", port, "--no-access-log") as base:
            tokens = asyncio.run(prepare())
            headers = {"Authorization": f"Bearer {tokens['read write follow push profile']}"}
            for text, visibility in [("hello #fuzz", "public"), ("friends only", "private"),
                                     ("@bob just us", "direct")]:
                httpx.post(f"{base}/api/v1/statuses", headers=headers, timeout=10,
                           json={"status": text, "visibility": visibility}).raise_for_status()
            yield base, tokens
    finally:
        databases.drop(database)


@pytest.mark.parametrize("scopes", SCOPES, ids=[s.replace(" ", "+") or "anonymous"
                                                for s in SCOPES])
def test_no_5xx_and_answers_as_described(fuzzed_server: tuple[str, dict[str, str]],
                                         scopes: str, tmp_path: Path) -> None:
    base, tokens = fuzzed_server
    command = [str(Path(sys.executable).parent / "st"), "run", f"{base}/openapi.json",
               "--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(SEED),
               "--workers", "1", "--no-shrink", "--request-timeout", "20",
               "--phases", "examples,coverage,fuzzing",
               # Streams stay open by design; signing out would end the run's own token.
               "--exclude-path-regex", "^/api/v1/streaming/(?!health)|^/oauth/revoke$",
               "--report", "ndjson", "--report-dir", str(tmp_path)]
    if scopes:
        command += ["--header", f"Authorization: Bearer {tokens[scopes]}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path,
                          env={**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"})
    summary = done.stdout[-6000:]
    assert done.returncode == 0, f"schemathesis found problems:\n{summary}\n{done.stderr[-2000:]}"
    assert "Tested:" in summary, summary

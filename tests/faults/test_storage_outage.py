"""PostgreSQL going away under a running server: requests fail fast with 503 and a
Retry-After, and recover by themselves when it is back; nothing acknowledged is lost.

The outage is real at the network level: the server reaches PostgreSQL through a TCP proxy
that the test cuts (closing every connection and refusing new ones) and restores."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from salon.app import create_app
from salon.settings import configure
from tests.conftest import settings_for
from tests.databases import POSTGRES, Databases
from tests.faults.proxy import Proxy

pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: runs in the "
                                                     "PostgreSQL pass of scripts/test")


@pytest.fixture
def proxied(tmp_path: Path, databases: Databases) -> Iterator[tuple[Proxy, dict[str, object]]]:
    database = databases.fresh(tmp_path)
    proxy = Proxy(5432)
    proxy.restore()
    url = str(database["database_url"]).replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    yield proxy, {**database, "database_url": url, "db_pool_size": 3, "db_pool_timeout": 2.0}
    proxy.cut()
    databases.drop(database)


def test_database_outage_answers_503_then_recovers(
    tmp_path: Path, proxied: tuple[Proxy, dict[str, object]]
) -> None:
    proxy, database = proxied
    settings = configure(settings_for(tmp_path, database))
    with TestClient(create_app(settings, run_worker=False)) as client:
        page = client.get("/signup").text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/signup", data={"username": "alice", "password": "correct horse "
                           "battery", "csrf_token": csrf}, follow_redirects=False
                           ).status_code == 303
        csrf = client.get("/home").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/posts", data={"text": "before the outage", "csrf_token": csrf},
                           follow_redirects=False).status_code == 303

        proxy.cut()
        for path in ("/public", "/api/v1/timelines/public"):
            started = time.monotonic()
            answer = client.get(path)
            assert answer.status_code == 503, (path, answer.status_code)
            assert answer.headers["retry-after"] == "5"
            assert time.monotonic() - started < 3, "fails fast"
        assert "try again" in client.get("/api/v1/timelines/public").json()["error"]
        refused = client.post("/posts", data={"text": "during the outage", "csrf_token": csrf},
                              follow_redirects=False)
        assert refused.status_code == 503  # not acknowledged

        proxy.restore()
        deadline = time.monotonic() + 10
        while (answer := client.get("/public")).status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            time.sleep(0.2)
        assert "before the outage" in answer.text and "during the outage" not in answer.text

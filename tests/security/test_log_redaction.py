"""No token, code or secret reaches a log line: the server's access log and its own
lines, and the filter that redacts them."""

from __future__ import annotations

import logging
import logging.config
import socket
from pathlib import Path

import pytest

from salon.logs import RedactSecrets, redact, uvicorn_log_config
from tests.conftest import _free_port, salon_serve, settings_for
from tests.databases import Databases, process_env

SECRET = "S3cr3tV4lue"
QUERIES = [
    f"access_token={SECRET}", f"stream=public&access_token={SECRET}", f"code={SECRET}&state=1",
    f"client_secret={SECRET}", f"refresh_token={SECRET}", f"token={SECRET}",
    f"password={SECRET}", f"x=1&ACCESS_TOKEN={SECRET}#frag", f"id_token={SECRET};a=b",
]


@pytest.mark.parametrize("query", QUERIES)
def test_redact_leaves_no_secret(query: str) -> None:
    line = f'127.0.0.1:5000 - "GET /api/v1/streaming?{query} HTTP/1.1" 101'
    redacted = redact(line)
    assert SECRET not in redacted and "[redacted]" in redacted
    assert redacted.startswith('127.0.0.1:5000 - "GET /api/v1/streaming?')
    assert redacted.endswith(' HTTP/1.1" 101')


def test_redact_keeps_other_parameters() -> None:
    line = "GET /api/v1/timelines/public?local=true&max_id=5&decode=1"
    assert redact(line) == line
    assert redact("/tags?q=x&token=abc&limit=2") == "/tags?q=x&token=[redacted]&limit=2"


def test_the_filter_redacts_messages_and_their_arguments(
        caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("salon.test_redaction")
    caplog.handler.addFilter(RedactSecrets())
    with caplog.at_level(logging.INFO):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET",
                    f"/api/v1/streaming?access_token={SECRET}", "1.1", 101)
        logger.info(f"opened /oauth/authorize?code={SECRET}")
        logger.info("%(path)s", {"path": f"/x?client_secret={SECRET}"})
    assert SECRET not in caplog.text
    assert caplog.text.count("[redacted]") == 3
    assert "HTTP/1.1\" 101" in caplog.text  # the arguments are still formatted as such


def test_uvicorn_config_filters_every_handler() -> None:
    config = uvicorn_log_config()
    assert config["handlers"]
    assert all(h["filters"] == ["redact_secrets"] for h in config["handlers"].values())
    logging.config.dictConfig({**config, "loggers": {}})  # a configuration dictConfig takes


def _request(port: int, head: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode())
        return sock.recv(4096)


def test_a_real_server_logs_no_token(tmp_path: Path, databases: Databases) -> None:
    port = _free_port()
    database = databases.fresh(tmp_path)
    env = {**process_env(settings_for(tmp_path, database)),
           "SALON_BASE_URL": f"http://127.0.0.1:{port}"}
    log = tmp_path / "server.log"
    try:
        with salon_serve(env, log, port, "--no-worker"):
            websocket = _request(port, "\n".join([
                f"GET /api/v1/streaming?stream=public&access_token={SECRET} HTTP/1.1",
                "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
                "", ""]))
            assert websocket.startswith(b"HTTP/1.1 ")
            for path in (f"/api/v1/streaming/public?access_token={SECRET}",
                         f"/api/v1/timelines/home?access_token={SECRET}",
                         f"/oauth/authorize?response_type=code&code={SECRET}"
                         f"&client_secret={SECRET}&password={SECRET}"):
                answer = _request(port, f"GET {path} HTTP/1.1\nHost: 127.0.0.1\n"
                                        "Connection: close\n\n")
                assert answer.startswith(b"HTTP/1.1 ")
    finally:
        databases.drop(database)
    text = log.read_text()  # the server has stopped: every line is written
    assert "/api/v1/streaming?stream=public&access_token=[redacted]" in text, text
    assert "/api/v1/timelines/home?access_token=[redacted]" in text, text
    assert SECRET not in text, text

"""No token, code or secret reaches a log line.

Streaming clients may only pass their token in the query (`?access_token=…`, browsers
cannot set headers on a WebSocket), and the access log writes every request line: the
values of secret-bearing query parameters are replaced before any handler writes a record.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

# code, token, password, secret, and any parameter whose name ends in one of them after a
# separator (access_token, refresh_token, client_secret...; not "decode").
SECRET = re.compile(
    r"(?i)(?<![\w.-])((?:[\w.-]*[_.-])?(?:token|secret|password|code))=[^&\s\"'#;]*")
REDACTED = r"\1=[redacted]"


def redact(text: str) -> str:
    return SECRET.sub(REDACTED, text) if "=" in text else text


class RedactSecrets(logging.Filter):
    """Redacts the message and its arguments in place (uvicorn's access formatter reads the
    arguments one by one, so they stay arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        return True


def redact_handlers(logger: logging.Logger | None = None) -> None:
    """Puts the filter on the handlers of `logger` (the root's by default), where it also
    sees the records of every logger below."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the filter on each of its handlers; given
    to uvicorn.run, so that every server process (--workers) installs it."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": "salon.logs.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_secrets"]
    return config

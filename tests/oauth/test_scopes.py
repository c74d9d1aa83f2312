"""Scope rules as Mastodon has them."""

import pytest

from salon.errors import Invalid
from salon.oauth.scopes import covers, parse, within


def test_parse() -> None:
    assert parse(None) == ["read"]
    assert parse("read write+follow read") == ["read", "write", "follow"]
    assert parse(["read:statuses", "push"]) == ["read:statuses", "push"]
    with pytest.raises(Invalid, match="Unknown scope: admin:all"):
        parse("read admin:all")
    assert parse("admin:read admin:write:reports") == ["admin:read", "admin:write:reports"]


@pytest.mark.parametrize(("granted", "needed", "ok"), [
    (["read"], "read:statuses", True),
    (["read:statuses"], "read:statuses", True),
    (["read:statuses"], "read:accounts", False),
    (["read:statuses"], "read", False),
    (["write"], "read:statuses", False),
    (["follow"], "write:follows", True),
    (["follow"], "write:statuses", False),
    (["read"], "profile", True),
    (["profile"], "read:accounts", False),
    # The admin scopes stand apart: read and write never reach them.
    (["admin:read"], "admin:read:accounts", True),
    (["admin:read:reports"], "admin:read:accounts", False),
    (["admin:read"], "admin:write:accounts", False),
    (["read", "write"], "admin:read:accounts", False),
    (["admin:write"], "write:statuses", False),
    (["admin:read"], "read:statuses", False),
])
def test_covers(granted: list[str], needed: str, ok: bool) -> None:
    assert covers(granted, needed) is ok


def test_within() -> None:
    assert within(["read:statuses", "write:media"], ["read", "write"])
    assert not within(["push"], ["read", "write"])
    assert within(["admin:read:reports"], ["read", "admin:read"])
    assert not within(["admin:read"], ["read", "write", "follow", "push"])

"""Which storage errors mean "out of reach" (503) and which are bugs (500)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from salon.errors import storage_unreachable


class DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "unreachable"), [
    (DBAPIError("connect", None, DriverError("57P03")), True),  # shutting down / starting
    (DBAPIError("select", None, DriverError("57P01")), True),  # terminated by the admin
    (DBAPIError("connect", None, DriverError("08006")), True),  # connection failure
    (DBAPIError("connect", None, DriverError("53300")), True),  # too many connections
    (OperationalError("select", None, DriverError(None)), True),
    (DBAPIError("select", None, DriverError(None), connection_invalidated=True), True),
    (IntegrityError("insert", None, DriverError("23505")), False),  # a bug: stays a 500
    (DBAPIError("select", None, DriverError("42P01")), False),  # no such table: a bug
    (TimeoutError(), True),
])
def test_storage_unreachable(error: Exception, unreachable: bool) -> None:
    assert storage_unreachable(error) is unreachable

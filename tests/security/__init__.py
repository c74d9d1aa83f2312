"""Helpers for the security tests."""

from __future__ import annotations

from tests.conftest import WebUser
from tests.web import CheckedSite


def from_address(site: CheckedSite, address: str) -> WebUser:
    """A visitor whose requests come from `address` (as the server's peer)."""
    browser = site.visitor()
    browser.client._transport.client = (address, 50000)  # type: ignore[attr-defined]
    return browser

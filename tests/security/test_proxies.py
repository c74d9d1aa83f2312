"""Proxy headers name the client only when a trusted proxy sent them (SALON_TRUSTED_PROXIES):
anyone else's X-Forwarded-For cannot step around a rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from salon.cli import main
from salon.web.proxies import TrustedProxies
from tests.conftest import WebUser
from tests.databases import Databases
from tests.security import from_address
from tests.web import CheckedSite, make_settings, open_site

PROXY = "10.0.0.1"
SPOOFS = [
    {"X-Forwarded-For": "192.0.2.1"},
    {"X-Forwarded-For": "192.0.2.2, 192.0.2.3"},
    {"Forwarded": "for=192.0.2.4"},
    {"X-Real-IP": "192.0.2.5"},
]


def _site(tmp_path: Path, databases: Databases, trusted: str) -> Iterator[CheckedSite]:
    database = databases.fresh(tmp_path)
    yield from open_site(make_settings(tmp_path, database, login_attempts_per_minute=2,
                                       trusted_proxies=trusted))
    databases.drop(database)


def _peer(site: CheckedSite, address: str) -> WebUser:
    browser = from_address(site, address)
    browser.get("/login")
    return browser


def _attempt(browser: WebUser, headers: dict[str, str]) -> int:
    response = browser.client.post("/login", data={
        "username": "nobody", "password": "wrong wrong 1", "csrf_token": browser.csrf,
    }, headers=headers)
    return response.status_code


def test_a_spoofed_header_from_an_untrusted_peer_changes_nothing(
    tmp_path: Path, databases: Databases
) -> None:
    for site in _site(tmp_path, databases, trusted=PROXY):
        browser = _peer(site, "203.0.113.9")  # not the proxy: its headers are its own words
        assert [_attempt(browser, h) for h in SPOOFS] == [401, 401, 429, 429]


def test_without_trusted_proxies_even_a_local_peer_is_not_believed(
    tmp_path: Path, databases: Databases
) -> None:
    for site in _site(tmp_path, databases, trusted=""):
        browser = _peer(site, "127.0.0.1")
        assert [_attempt(browser, h) for h in SPOOFS] == [401, 401, 429, 429]


def test_a_trusted_proxy_names_the_client(tmp_path: Path, databases: Databases) -> None:
    for site in _site(tmp_path, databases, trusted=f"{PROXY}, 10.1.0.0/16"):
        browser = _peer(site, PROXY)
        # Each client has its own count...
        assert [_attempt(browser, h) for h in SPOOFS] == [401, 401, 401, 401]
        # ...and what a client writes to the left of what the proxy appended is ignored.
        chains = [{"X-Forwarded-For": f"{forged}, 192.0.2.1, 10.1.2.3"}
                  for forged in ("198.51.100.1", "198.51.100.2")]
        assert [_attempt(browser, h) for h in chains] == [401, 429]  # 192.0.2.1's 2nd, 3rd


@pytest.mark.parametrize(
    ("headers", "client"),
    [
        ({"x-forwarded-for": "192.0.2.1"}, "192.0.2.1"),
        ({"x-forwarded-for": "6.6.6.6, 192.0.2.1, 10.0.0.2"}, "192.0.2.1"),
        ({"x-forwarded-for": "10.0.0.3, 10.0.0.2"}, "10.0.0.3"),  # all proxies: the first
        ({"x-forwarded-for": "6.6.6.6, unknown"}, None),  # the proxy's entry is no address
        ({"forwarded": 'for="[2001:db8::1]:4711";proto=https, for=10.0.0.2'}, "2001:db8::1"),
        ({"forwarded": "for=192.0.2.7:80"}, "192.0.2.7"),
        ({"x-real-ip": "192.0.2.8"}, "192.0.2.8"),
        ({}, None),
    ],
)
def test_the_right_most_untrusted_address_is_the_client(
    headers: dict[str, str], client: str | None
) -> None:
    proxies = TrustedProxies(app=None, trusted="10.0.0.0/24")  # type: ignore[arg-type]
    assert proxies.client(headers) == client


async def test_the_scheme_follows_a_trusted_proxy() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    async def nothing() -> Any:
        return {}

    async def ignore(message: Any) -> None:
        return None

    proxies = TrustedProxies(app, trusted=PROXY)
    for peer, scheme, client in ((PROXY, "https", "192.0.2.1"), ("203.0.113.9", "http", None)):
        await proxies({"type": "http", "scheme": "http", "client": (peer, 1), "headers": [
            (b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"192.0.2.1")]},
            nothing, ignore)
        assert seen["scheme"] == scheme
        assert seen["client"][0] == (client or peer)


def test_serve_leaves_proxy_headers_to_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    result = CliRunner().invoke(main, ["serve"], env={
        "SALON_DATA_DIR": str(tmp_path), "SALON_TRUSTED_PROXIES": PROXY})
    assert result.exit_code == 0, result.output
    # uvicorn's own reading would believe any 127.0.0.1 peer.
    assert ran["proxy_headers"] is False
    [layer] = [m for m in ran["app"].user_middleware if m.cls is TrustedProxies]
    assert layer.kwargs == {"trusted": PROXY}

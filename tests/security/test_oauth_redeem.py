"""An authorization code, and a refresh token, redeem once, even when a client (or an
attacker who saw it) sends it many times at once: a real `salon serve` over sockets, on
the test database of the run (SQLite, or PostgreSQL with SALON_TEST_POSTGRES)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.api.mastodon.test_mastodon_py import _authorize_in_browser

REDIRECT = "https://client.example/callback"
PARALLEL = 8


async def _race(base: str, body: dict[str, str]) -> list[httpx.Response]:
    """PARALLEL token requests with the same body, each on its own connection."""
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(PARALLEL)]
    try:
        return list(await asyncio.gather(*(c.post("/oauth/token", data=body) for c in clients)))
    finally:
        for client in clients:
            await client.aclose()


def _works(base: str, token: str) -> bool:
    answer = httpx.get(f"{base}/api/v1/accounts/verify_credentials",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return answer.status_code == 200


def _one_winner(base: str, answers: list[httpx.Response]) -> dict[str, Any]:
    won = [a for a in answers if a.status_code == 200]
    assert len(won) == 1, [(a.status_code, a.text) for a in answers]
    for lost in answers:
        if lost.status_code != 200:
            assert lost.status_code == 400 and lost.json()["error"] == "invalid_grant", lost.text
    token = dict(won[0].json())
    assert _works(base, token["access_token"])
    return token


def test_a_code_and_a_refresh_token_redeem_once_under_concurrency(server: str) -> None:
    app = httpx.post(f"{server}/api/v1/apps", data={
        "client_name": "racer", "redirect_uris": REDIRECT, "scopes": "read"}).json()
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    url = (f"/oauth/authorize?response_type=code&client_id={app['client_id']}"
           f"&redirect_uri={REDIRECT}&scope=read")
    code = _authorize_in_browser(server, url, "racer")

    first = _one_winner(server, asyncio.run(_race(server, {
        **client, "grant_type": "authorization_code", "code": code,
        "redirect_uri": REDIRECT})))
    # Later, one at a time, the code is still spent.
    again = httpx.post(f"{server}/oauth/token", data={
        **client, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    second = _one_winner(server, asyncio.run(_race(server, {
        **client, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})))
    assert not _works(server, first["access_token"])  # rotated: the old pair is gone
    assert second["refresh_token"] != first["refresh_token"]

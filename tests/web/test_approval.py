"""With approval required, sign-ups wait for a moderator, on the web and through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.oauth import service as oauth
from tests.databases import Databases
from tests.web import PASSWORD, CheckedSite, make_settings, open_site


@pytest.fixture
def site(tmp_path: Path, databases: Databases) -> Iterator[CheckedSite]:

    database = databases.fresh(tmp_path)
    yield from open_site(make_settings(tmp_path, database, registrations_approval=True))
    databases.drop(database)


def test_sign_ups_wait_for_approval(site: CheckedSite) -> None:
    async def make_mod(session: AsyncSession) -> None:
        await accounts.register(session, "mod", PASSWORD, is_admin=True)

    site.call(make_mod)
    newcomer = site.visitor()
    newcomer.get("/signup")
    waiting = newcomer.post("/signup", {"username": "newbie", "password": PASSWORD})
    assert waiting.status_code == 200 and "A moderator will look at your sign-up" in waiting.text
    assert site.anon.get("/@newbie").status_code == 404
    refused = newcomer.post("/login", {"username": "newbie", "password": PASSWORD})
    assert refused.status_code == 403 and "waiting for a moderator" in refused.text
    assert site.anon.client.get("/api/v2/instance").json()["registrations"][
        "approval_required"] is True

    mod = site.visitor()
    mod.get("/login")
    mod.post("/login", {"username": "mod", "password": PASSWORD})
    page = mod.get("/admin/reports").text
    assert "Waiting for approval" in page and "@newbie" in page

    async def newbie_id(session: AsyncSession) -> int:
        found = await accounts.find_by_username(session, "newbie")
        assert found is not None
        return found.id

    assert mod.post(f"/admin/accounts/{site.call(newbie_id)}/approve").status_code == 303
    assert newcomer.post("/login", {"username": "newbie", "password": PASSWORD}
                         ).status_code == 303
    assert site.anon.get("/@newbie").status_code == 200


def test_api_sign_up_waits_too(site: CheckedSite) -> None:
    async def app_token(session: AsyncSession) -> str:
        app = await oauth.create_app(session, "t", "urn:ietf:wg:oauth:2.0:oob", "read write")
        return (await oauth.client_credentials(session, app, "read write")).access_token

    headers = {"Authorization": f"Bearer {site.call(app_token)}"}
    made = site.anon.client.post("/api/v1/accounts", headers=headers, data={
        "username": "apper", "password": PASSWORD, "email": "a@example.com",
        "agreement": "true"})
    assert made.status_code == 200
    user = {"Authorization": f"Bearer {made.json()['access_token']}"}
    pending = site.anon.client.get("/api/v1/accounts/verify_credentials", headers=user)
    assert pending.status_code == 403
    assert pending.json() == {"error": "Your login is currently pending approval"}

"""The profile directory (offset paging, as Mastodon's, without SQL OFFSET), trending
links (none) and follow suggestions (v2 entity)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def _names(site: Site, headers: dict[str, str], **query: object) -> list[str]:
    found = api(site, "GET", "/api/v1/directory", headers, params=query)
    assert found.status_code == 200, found.text
    return [a["username"] for a in found.json()]


def test_directory_orders_and_pages(site: Site) -> None:
    people = {name: token_for(site, name) for name in ("ann", "ben", "cat", "dee", "eve")}
    for name in ("cat", "ann", "dee"):  # most recent poster last
        api(site, "POST", "/api/v1/statuses", people[name], data={"status": f"by {name}"})

    async def suspend(session: AsyncSession) -> None:
        found = await accounts.find_by_username(session, "eve")
        assert found is not None
        await accounts.suspend(session, found.id)

    site.call(suspend)
    # Active: who posted most recently first, then those who never posted (newest first).
    assert _names(site, {}) == ["dee", "ann", "cat", "ben"]
    assert _names(site, {}, order="active", local="true") == ["dee", "ann", "cat", "ben"]
    assert _names(site, {}, order="new") == ["dee", "cat", "ben", "ann"]
    assert _names(site, {}, order="new", offset=1, limit=2) == ["cat", "ben"]
    assert _names(site, {}, offset=3, limit=5) == ["ben"]
    assert _names(site, {}, offset=10) == []
    assert _names(site, {}, offset=5000) == []  # past the directory's depth

    # Blocked and muted accounts are left out for the viewer.
    ann_id = api(site, "GET", "/api/v1/accounts/verify_credentials", people["ann"]).json()["id"]
    cat_id = api(site, "GET", "/api/v1/accounts/verify_credentials", people["cat"]).json()["id"]
    api(site, "POST", f"/api/v1/accounts/{ann_id}/block", people["ben"])
    api(site, "POST", f"/api/v1/accounts/{cat_id}/mute", people["ben"])
    assert _names(site, people["ben"]) == ["dee", "ben"]
    assert _names(site, people["ann"]) == ["dee", "ann", "cat"]  # ben blocked ann: both ways

    for field, value in (("order", "popular"), ("offset", "-1"), ("offset", "x"),
                         ("limit", "many"), ("local", "maybe")):
        bad = api(site, "GET", "/api/v1/directory", {}, params={field: value})
        assert bad.status_code == 422 and field in bad.json()["error"], (field, value)


def test_trending_links_and_suggestions(site: Site) -> None:
    alice = token_for(site, "alice")
    token_for(site, "bob")
    assert api(site, "GET", "/api/v1/trends/links", {}).json() == []
    suggested = api(site, "GET", "/api/v2/suggestions", alice).json()
    assert [s["account"]["username"] for s in suggested] == ["bob"]
    assert suggested[0]["source"] == "global" and suggested[0]["sources"] == ["most_followed"]

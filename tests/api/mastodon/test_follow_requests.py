"""Locked accounts and follow requests through the API: ask, be told, wait without access,
be approved (home fills as after any follow), be rejected, cancel."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.oauth import service as oauth
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site, WebUser


def _me(site: Site, headers: dict[str, str]) -> Any:
    return api(site, "GET", "/api/v1/accounts/verify_credentials", headers).json()


def _relation(site: Site, headers: dict[str, str], account_id: str) -> Any:
    return api(site, "GET", "/api/v1/accounts/relationships", headers,
               params={"id[]": [account_id]}).json()[0]


def _lock(site: Site, headers: dict[str, str]) -> Any:
    me = api(site, "PATCH", "/api/v1/accounts/update_credentials", headers,
             data={"locked": "true"}).json()
    assert me["locked"] is True
    return me


def _ids(statuses: list[Any]) -> set[str]:
    return {s["id"] for s in statuses}


def test_the_locked_flow_end_to_end(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    me = _lock(site, alice)
    secret = api(site, "POST", "/api/v1/statuses", alice,
                 data={"status": "for followers", "visibility": "private"}).json()
    shown = api(site, "POST", "/api/v1/statuses", alice, data={"status": "for all"}).json()

    asked = api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", bob, data={"reblogs": "false"})
    assert asked.status_code == 200
    assert asked.json()["requested"] is True and asked.json()["following"] is False
    assert asked.json()["showing_reblogs"] is False  # the options the follow will have
    bob_id = _me(site, bob)["id"]
    assert _relation(site, alice, bob_id)["requested_by"] is True
    assert _me(site, alice)["source"]["follow_requests_count"] == 1
    assert _me(site, alice)["followers_count"] == 0

    # Told, with a follow_request notification (filtered by that type too).
    notes = api(site, "GET", "/api/v1/notifications", alice,
                params={"types[]": ["follow_request"]}).json()
    assert [(n["type"], n["account"]["id"]) for n in notes] == [("follow_request", bob_id)]

    # Nothing private reaches the requester while the request waits.
    site.run_jobs()
    assert api(site, "GET", f"/api/v1/statuses/{secret['id']}", bob).status_code == 404
    profile = api(site, "GET", f"/api/v1/accounts/{me['id']}/statuses", bob).json()
    assert _ids(profile) == {shown["id"]}
    assert api(site, "GET", "/api/v1/timelines/home", bob).json() == []

    listed = api(site, "GET", "/api/v1/follow_requests", alice)
    assert [a["id"] for a in listed.json()] == [bob_id]
    assert api(site, "GET", "/api/v1/follow_requests", bob).json() == []

    approved = api(site, "POST", f"/api/v1/follow_requests/{bob_id}/authorize", alice)
    assert approved.status_code == 200
    assert approved.json()["id"] == bob_id and approved.json()["followed_by"] is True
    assert approved.json()["requested_by"] is False
    site.run_jobs()
    assert _relation(site, bob, me["id"])["following"] is True
    assert _relation(site, bob, me["id"])["showing_reblogs"] is False  # kept from the request
    assert api(site, "GET", f"/api/v1/statuses/{secret['id']}", bob).status_code == 200
    assert _ids(api(site, "GET", "/api/v1/timelines/home", bob).json()) >= {
        secret["id"], shown["id"]}
    assert api(site, "GET", "/api/v1/follow_requests", alice).json() == []
    assert _me(site, alice)["source"]["follow_requests_count"] == 0
    types = [n["type"] for n in api(site, "GET", "/api/v1/notifications", alice).json()]
    assert types == ["follow"]  # the request's notification went; the follow's came
    # No request is left to answer twice.
    again = api(site, "POST", f"/api/v1/follow_requests/{bob_id}/authorize", alice)
    assert again.status_code == 404 and again.json() == {"error": "Record not found"}


def test_reject_and_cancel(site: Site) -> None:
    alice, bob, carol = token_for(site, "alice"), token_for(site, "bob"), token_for(site, "carol")
    me = _lock(site, alice)
    secret = api(site, "POST", "/api/v1/statuses", alice,
                 data={"status": "for followers", "visibility": "private"}).json()
    bob_id, carol_id = _me(site, bob)["id"], _me(site, carol)["id"]
    api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", bob)
    api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", carol)

    rejected = api(site, "POST", f"/api/v1/follow_requests/{bob_id}/reject", alice).json()
    assert rejected["requested_by"] is False and rejected["followed_by"] is False
    assert _relation(site, bob, me["id"])["requested"] is False
    site.run_jobs()
    assert api(site, "GET", f"/api/v1/statuses/{secret['id']}", bob).status_code == 404

    cancelled = api(site, "POST", f"/api/v1/accounts/{me['id']}/unfollow", carol).json()
    assert cancelled["requested"] is False and cancelled["following"] is False
    assert api(site, "GET", "/api/v1/follow_requests", alice).json() == []
    assert api(site, "GET", "/api/v1/notifications", alice).json() == []
    gone = api(site, "POST", f"/api/v1/follow_requests/{carol_id}/authorize", alice)
    assert gone.status_code == 404
    assert api(site, "POST", "/api/v1/follow_requests/x/reject", alice).status_code == 404

    # A block ends a pending request too.
    api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", carol)
    api(site, "POST", f"/api/v1/accounts/{carol_id}/block", alice)
    assert api(site, "GET", "/api/v1/follow_requests", alice).json() == []


def test_unlocking_leaves_existing_requests_and_new_follows_are_direct(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    me = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
             json={"locked": False}).json()
    assert me["locked"] is False
    followed = api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", bob).json()
    assert followed["following"] is True and followed["requested"] is False
    bad = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
              data={"locked": "maybe"})
    assert bad.status_code == 422 and "locked" in bad.json()["error"]


def test_follow_requests_page_with_links(site: Site) -> None:
    alice = token_for(site, "alice")
    me = _lock(site, alice)
    for name in ("p1", "p2", "p3"):
        api(site, "POST", f"/api/v1/accounts/{me['id']}/follow", token_for(site, name))
    first = api(site, "GET", "/api/v1/follow_requests", alice, params={"limit": 2})
    assert [a["username"] for a in first.json()] == ["p3", "p2"]
    link = first.headers["link"]
    assert 'rel="next"' in link and 'rel="prev"' in link
    following = link.split(">")[0].lstrip("<").replace("http://testserver", "")
    assert [a["username"] for a in api(site, "GET", following, alice).json()] == ["p1"]
    assert api(site, "GET", "/api/v1/follow_requests", {}).status_code == 401
    reader = token_for(site, "reader", "read")
    assert api(site, "POST", "/api/v1/follow_requests/1/authorize", reader).status_code == 403


VIEWERS = ["author", "approved", "pending", "rejected", "stranger", "anonymous"]
VISIBILITIES = ["public", "unlisted", "private"]


def _person(site: Site, name: str) -> tuple[WebUser, dict[str, str]]:
    """Signed in on the web, and a token for the API."""
    web = site.user(name)

    async def issue(session: AsyncSession) -> str:
        app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob", "read write")
        account = await accounts.get_by_username(session, name)
        return (await oauth.issue_for(session, app, account, ["read", "write"])).access_token

    return web, {"Authorization": f"Bearer {site.call(issue)}"}


@pytest.fixture
def locked_world(site: Site) -> dict[str, Any]:
    people = {name: _person(site, name) for name in VIEWERS if name != "anonymous"}
    people["anonymous"] = (site.visitor(), {})
    tokens = {name: headers for name, (_, headers) in people.items()}
    author = _lock(site, tokens["author"])
    posts = {v: api(site, "POST", "/api/v1/statuses", tokens["author"],
                    data={"status": f"zqmark{v}", "visibility": v}).json()["id"]
             for v in VISIBILITIES}
    for name in ("approved", "pending", "rejected"):
        api(site, "POST", f"/api/v1/accounts/{author['id']}/follow", tokens[name])
    for name, answer in (("approved", "authorize"), ("rejected", "reject")):
        who = _me(site, tokens[name])["id"]
        api(site, "POST", f"/api/v1/follow_requests/{who}/{answer}", tokens["author"])
    site.run_jobs()
    return {"people": people, "author": author["id"], "posts": posts}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_locked_accounts_posts_by_viewer(site: Site, locked_world: dict[str, Any],
                                           viewer: str) -> None:
    """Private posts reach only the author and approved followers, on every page."""
    web, headers = locked_world["people"][viewer]
    posts = locked_world["posts"]
    may = {"public", "unlisted"} | ({"private"} if viewer in ("author", "approved") else set())
    for visibility, post_id in posts.items():
        single = api(site, "GET", f"/api/v1/statuses/{post_id}", headers)
        assert (single.status_code == 200) == (visibility in may), (visibility, single.text)
    profile = api(site, "GET", f"/api/v1/accounts/{locked_world['author']}/statuses", headers)
    assert _ids(profile.json()) == {posts[v] for v in may}
    page = web.get("/@author").text
    assert {v for v in VISIBILITIES if f"zqmark{v}" in page} == may
    if viewer != "anonymous":
        home = _ids(api(site, "GET", "/api/v1/timelines/home", headers).json())
        in_home = may if viewer in ("author", "approved") else set()
        assert home & set(posts.values()) == {posts[v] for v in in_home}
        home_page = web.get("/home").text
        assert {v for v in VISIBILITIES if f"zqmark{v}" in home_page} == in_home

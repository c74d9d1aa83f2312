"""What a status says about how it was posted and what the viewer did to it: its
`language`, the `application` that posted it, and the answers of reblog, favourite,
bookmark and pin, which show the new state."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.oauth import service as oauth
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def _app_token(site: Site, username: str, name: str, website: str | None) -> dict[str, str]:
    site.user(username)

    async def issue(session: AsyncSession) -> str:
        app = await oauth.create_app(session, name, "urn:ietf:wg:oauth:2.0:oob",
                                     "read write follow", website=website)
        account = await accounts.get_by_username(session, username)
        assert account is not None
        return (await oauth.issue_for(session, app, account, ["read", "write"])).access_token

    return {"Authorization": f"Bearer {site.call(issue)}"}


def test_language_is_taken_checked_stored_and_shown(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    made = api(site, "POST", "/api/v1/statuses", alice,
               data={"status": "Olá", "language": "PT-br"})
    assert made.status_code == 200 and made.json()["language"] == "pt-BR"
    plain = api(site, "POST", "/api/v1/statuses", alice, json={"status": "no language"})
    assert plain.json()["language"] is None
    three = api(site, "POST", "/api/v1/statuses", alice, data={"status": "x", "language": "ast"})
    assert three.json()["language"] == "ast"
    for bad in ("xx", "english", "e", "zz-ZZ"):
        refused = api(site, "POST", "/api/v1/statuses", alice,
                      data={"status": "x", "language": bad})
        assert refused.status_code == 422 and "language" in refused.json()["error"]
    assert api(site, "POST", "/api/v1/statuses", alice,
               json={"status": "x", "language": 5}).status_code == 422
    post_id = made.json()["id"]
    # Shown to anyone, on the status and in timelines (kept renderings included).
    for _ in range(2):
        assert api(site, "GET", f"/api/v1/statuses/{post_id}", {}).json()["language"] == "pt-BR"
        public = api(site, "GET", "/api/v1/timelines/public", bob).json()
        assert {s["id"]: s["language"] for s in public}[post_id] == "pt-BR"
    edited = api(site, "PUT", f"/api/v1/statuses/{post_id}", alice,
                 data={"status": "Hello", "language": "en"})
    assert edited.status_code == 200 and edited.json()["language"] == "en"
    kept = api(site, "PUT", f"/api/v1/statuses/{post_id}", alice, data={"status": "Hello!"})
    assert kept.json()["language"] == "en"
    wrong = api(site, "PUT", f"/api/v1/statuses/{post_id}", alice,
                data={"status": "Hi", "language": "qq"})
    assert wrong.status_code == 422 and "language" in wrong.json()["error"]


def test_the_application_that_posted_is_shown_to_everyone(site: Site) -> None:
    alice = _app_token(site, "alice", "Phanpy", "https://phanpy.social")
    bob = _app_token(site, "bob", "Tusky", None)
    first = api(site, "POST", "/api/v1/statuses", alice, data={"status": "from Phanpy"}).json()
    second = api(site, "POST", "/api/v1/statuses", bob, data={"status": "from Tusky"}).json()
    assert first["application"] == {"name": "Phanpy", "website": "https://phanpy.social"}
    assert second["application"] == {"name": "Tusky", "website": None}
    for viewer in ({}, bob, alice):
        found = {s["id"]: s["application"]
                 for s in api(site, "GET", "/api/v1/timelines/public", viewer).json()}
        assert found[first["id"]]["name"] == "Phanpy"
        assert found[second["id"]]["name"] == "Tusky"
    # A reblog wraps the original, whose application is shown inside.
    boosted = api(site, "POST", f"/api/v1/statuses/{first['id']}/reblog", bob).json()
    assert boosted["reblog"]["application"]["name"] == "Phanpy"


def _act(site: Site, who: dict[str, str], post_id: str, action: str) -> Any:
    answer = api(site, "POST", f"/api/v1/statuses/{post_id}/{action}", who)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_answers_of_actions_show_the_new_state(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    post_id = api(site, "POST", "/api/v1/statuses", alice, data={"status": "boost me"}).json()["id"]
    reblog = _act(site, bob, post_id, "reblog")
    assert reblog["id"] != post_id and reblog["reblog"]["id"] == post_id
    assert reblog["reblogged"] is True and reblog["reblog"]["reblogged"] is True
    assert reblog["reblog"]["reblogs_count"] == 1
    again = _act(site, bob, post_id, "reblog")  # already reblogged: the same reblog
    assert again["id"] == reblog["id"] and again["reblogged"] is True
    undone = _act(site, bob, post_id, "unreblog")
    assert undone["id"] == post_id and undone["reblogged"] is False
    assert undone["reblogs_count"] == 0

    liked = _act(site, bob, post_id, "favourite")
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    unliked = _act(site, bob, post_id, "unfavourite")
    assert unliked["favourited"] is False and unliked["favourites_count"] == 0
    assert _act(site, bob, post_id, "bookmark")["bookmarked"] is True
    assert _act(site, bob, post_id, "unbookmark")["bookmarked"] is False
    assert _act(site, alice, post_id, "pin")["pinned"] is True
    assert _act(site, alice, post_id, "unpin")["pinned"] is False

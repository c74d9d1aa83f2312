"""Mute with a duration, private notes, removing a follower, endorsements, profile fields and
removing one's avatar or header, through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.graph import service as graph
from salon.graph.models import Mute
from tests.api.mastodon.test_endpoints import _png, api, token_for
from tests.conftest import Site, stored


def _id(site: Site, headers: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", headers).json()["id"])


def _relation(site: Site, headers: dict[str, str], account_id: str) -> Any:
    return api(site, "GET", "/api/v1/accounts/relationships", headers,
               params={"id[]": [account_id]}).json()[0]


def _home(site: Site, headers: dict[str, str]) -> set[str]:
    return {s["id"] for s in api(site, "GET", "/api/v1/timelines/home", headers).json()}


def test_mute_with_duration_ends(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    bob_id = _id(site, bob)
    api(site, "POST", f"/api/v1/accounts/{bob_id}/follow", alice)
    post = api(site, "POST", "/api/v1/statuses", bob, data={"status": "loud"}).json()
    site.run_jobs()
    muted = api(site, "POST", f"/api/v1/accounts/{bob_id}/mute", alice,
                data={"duration": "3600", "notifications": "false"})
    assert muted.status_code == 200
    assert muted.json()["muting"] is True and muted.json()["muting_notifications"] is False
    listed = api(site, "GET", "/api/v1/mutes", alice).json()
    assert [a["id"] for a in listed] == [bob_id]
    assert listed[0]["mute_expires_at"].endswith("Z")
    assert post["id"] not in _home(site, alice)
    public = {s["id"] for s in api(site, "GET", "/api/v1/timelines/public", alice).json()}
    assert post["id"] not in public

    async def end(session: AsyncSession) -> None:  # an hour later
        await session.execute(update(Mute).values(expires_at=utcnow() - timedelta(seconds=5)))

    site.call(end)
    assert post["id"] in _home(site, alice)
    assert _relation(site, alice, bob_id)["muting"] is False
    assert api(site, "GET", "/api/v1/mutes", alice).json() == []

    async def left(session: AsyncSession) -> int:
        return len(list(await session.scalars(select(Mute.id))))

    assert site.call(left) == 1
    site.call(graph.expire_mutes)
    assert site.call(left) == 0

    # Muting again for good replaces the duration; 0 is forever.
    forever = api(site, "POST", f"/api/v1/accounts/{bob_id}/mute", alice, json={"duration": 0})
    assert forever.json()["muting_notifications"] is True
    assert api(site, "GET", "/api/v1/mutes", alice).json()[0]["mute_expires_at"] is None
    for bad in ({"duration": "soon"}, {"duration": "-1"}, {"notifications": "perhaps"}):
        refused = api(site, "POST", f"/api/v1/accounts/{bob_id}/mute", alice, data=bad)
        assert refused.status_code == 422 and next(iter(bad)) in refused.json()["error"]


def test_a_mute_without_notifications_still_notifies(site: Site) -> None:
    alice, bob, carol = token_for(site, "alice"), token_for(site, "bob"), token_for(site, "carol")
    alice_id, bob_id, carol_id = _id(site, alice), _id(site, bob), _id(site, carol)
    api(site, "POST", f"/api/v1/accounts/{bob_id}/mute", alice, data={"notifications": "false"})
    api(site, "POST", f"/api/v1/accounts/{carol_id}/mute", alice)
    api(site, "POST", f"/api/v1/accounts/{alice_id}/follow", bob)
    api(site, "POST", f"/api/v1/accounts/{alice_id}/follow", carol)
    site.run_jobs()
    notes = api(site, "GET", "/api/v1/notifications", alice).json()
    assert [n["account"]["id"] for n in notes] == [bob_id]


def test_notes_are_private(site: Site) -> None:
    alice, bob, carol = token_for(site, "alice"), token_for(site, "bob"), token_for(site, "carol")
    bob_id = _id(site, bob)
    noted = api(site, "POST", f"/api/v1/accounts/{bob_id}/note", alice,
                data={"comment": "Met at the <b>risograph</b> workshop"})
    assert noted.status_code == 200
    assert noted.json()["note"] == "Met at the <b>risograph</b> workshop"  # text, as Mastodon
    assert _relation(site, alice, bob_id)["note"].startswith("Met at")
    assert _relation(site, carol, bob_id)["note"] == ""
    api(site, "POST", f"/api/v1/accounts/{bob_id}/note", carol, json={"comment": "Carol's"})
    assert _relation(site, alice, bob_id)["note"].startswith("Met at")
    assert api(site, "POST", f"/api/v1/accounts/{bob_id}/note", alice,
               data={"comment": ""}).json()["note"] == ""
    too_long = api(site, "POST", f"/api/v1/accounts/{bob_id}/note", alice,
                   data={"comment": "x" * 2001})
    assert too_long.status_code == 422 and "comment" in too_long.json()["error"]
    assert api(site, "POST", "/api/v1/accounts/999/note", alice,
               data={"comment": "x"}).status_code == 404


def test_remove_from_followers_empties_their_home(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    alice_id, bob_id = _id(site, alice), _id(site, bob)
    api(site, "POST", f"/api/v1/accounts/{alice_id}/follow", bob)
    post = api(site, "POST", "/api/v1/statuses", alice, data={"status": "hi bob"}).json()
    secret = api(site, "POST", "/api/v1/statuses", alice,
                 data={"status": "followers", "visibility": "private"}).json()
    site.run_jobs()
    assert {post["id"], secret["id"]} <= _home(site, bob)
    removed = api(site, "POST", f"/api/v1/accounts/{bob_id}/remove_from_followers", alice)
    assert removed.status_code == 200 and removed.json()["followed_by"] is False
    site.run_jobs()
    assert _home(site, bob) == set()
    assert _relation(site, bob, alice_id)["following"] is False
    assert api(site, "GET", f"/api/v1/statuses/{secret['id']}", bob).status_code == 404
    me = api(site, "GET", "/api/v1/accounts/verify_credentials", alice).json()
    assert me["followers_count"] == 0


def test_endorsements(site: Site) -> None:
    alice, bob, carol = token_for(site, "alice"), token_for(site, "bob"), token_for(site, "carol")
    alice_id, bob_id, carol_id = _id(site, alice), _id(site, bob), _id(site, carol)
    refused = api(site, "POST", f"/api/v1/accounts/{bob_id}/pin", alice)
    assert refused.status_code == 422 and "following" in refused.json()["error"]
    api(site, "POST", f"/api/v1/accounts/{bob_id}/follow", alice)
    api(site, "POST", f"/api/v1/accounts/{carol_id}/follow", alice)
    assert api(site, "POST", f"/api/v1/accounts/{bob_id}/pin", alice).json()["endorsed"] is True
    assert api(site, "POST", f"/api/v1/accounts/{carol_id}/endorse", alice).json()["endorsed"]
    mine = api(site, "GET", "/api/v1/endorsements", alice).json()
    assert [a["id"] for a in mine] == [carol_id, bob_id]
    public = api(site, "GET", f"/api/v1/accounts/{alice_id}/endorsements", {}).json()
    assert [a["id"] for a in public] == [carol_id, bob_id]
    assert _relation(site, bob, alice_id)["endorsed"] is False  # only the endorser's view
    assert api(site, "POST", f"/api/v1/accounts/{carol_id}/unpin", alice).json()[
        "endorsed"] is False
    api(site, "POST", f"/api/v1/accounts/{bob_id}/unfollow", alice)  # ends the endorsement
    assert api(site, "GET", "/api/v1/endorsements", alice).json() == []
    assert api(site, "GET", "/api/v1/endorsements", {}).status_code == 401


HOSTILE = '<script>alert(1)</script><a href="javascript:x">y</a> https://example.com/me'


def test_profile_fields_round_trip(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    me = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice, json={
        "fields_attributes": [{"name": "Site <i>", "value": HOSTILE},
                              {"name": "", "value": ""},
                              {"name": "Pronouns", "value": "they/them #tea @bob"}]}).json()
    assert [f["name"] for f in me["fields"]] == ["Site <i>", "Pronouns"]
    html = me["fields"][0]["value"]
    assert "<script>" not in html and '<a href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.com/me"' in html and html.count("<a ") == 1
    base = site.settings.base_url.rstrip("/")
    assert f'<a href="{base}/@bob" class="mention"' in me["fields"][1]["value"]
    assert f'<a href="{base}/tags/tea" class="hashtag"' in me["fields"][1]["value"]
    assert all(f["verified_at"] is None for f in me["fields"])
    assert me["source"]["fields"][0] == {"name": "Site <i>", "value": HOSTILE,
                                         "verified_at": None}
    seen = api(site, "GET", f"/api/v1/accounts/{me['id']}", bob).json()
    assert seen["fields"] == me["fields"]
    page = site.anon.client.get("/@alice").text
    assert "Pronouns" in page and "<script>alert" not in page and "&lt;script&gt;" in page

    # A form, as Mastodon.py and the web client send it, replaces all the fields.
    form = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice, data={
        "fields_attributes[0][name]": "Only", "fields_attributes[0][value]": "one"}).json()
    assert [(f["name"], f["value"]) for f in form["fields"]] == [("Only", "one")]
    kept = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
               data={"display_name": "A"}).json()
    assert len(kept["fields"]) == 1  # not sent: left as they are
    cleared = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
                  json={"fields_attributes": {}}).json()
    assert cleared["fields"] == [] and cleared["source"]["fields"] == []


def test_profile_fields_refused_naming_the_field(site: Site) -> None:
    alice = token_for(site, "alice")

    def refused(body: dict[str, Any], form: bool = False) -> str:
        sent = {"data": body} if form else {"json": body}
        answer = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice, **sent)
        assert answer.status_code == 422, answer.text
        return str(answer.json()["error"])

    assert "fields_attributes[0][name]" in refused(
        {"fields_attributes": [{"name": "n" * 256, "value": "v"}]})
    assert "fields_attributes[1][value]" in refused(
        {"fields_attributes[0][name]": "a", "fields_attributes[1][value]": "v" * 256}, form=True)
    assert "fields_attributes" in refused(
        {"fields_attributes": [{"name": str(i), "value": "v"} for i in range(5)]})
    assert "fields_attributes[0] must be an object" in refused({"fields_attributes": ["plain"]})
    assert "fields_attributes must be an object" in refused({"fields_attributes": "plain"})
    assert "fields_attributes must be at most 4" in refused(
        {"fields_attributes[7][name]": "a"}, form=True)
    assert "fields_attributes[0][value]" in refused(
        {"fields_attributes": [{"name": "a", "value": 5}]})


def test_avatar_and_header_removal(site: Site) -> None:
    alice = token_for(site, "alice")
    me = api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
             files={"avatar": ("a.png", _png(), "image/png"),
                    "header": ("h.png", _png(), "image/png")}).json()
    store = site.app.state.store

    async def keys(session: AsyncSession) -> tuple[str | None, str | None]:
        from salon.accounts.models import Account

        row = await session.get(Account, int(me["id"]))
        assert row is not None
        return row.avatar_key, row.header_key

    first_avatar, header_key = site.call(keys)
    # A new avatar replaces the old file too.
    api(site, "PATCH", "/api/v1/accounts/update_credentials", alice,
        files={"avatar": ("b.png", _png(), "image/png")})
    avatar_key = site.call(keys)[0]
    assert first_avatar and avatar_key and header_key and avatar_key != first_avatar
    site.run_jobs()
    assert not site.call(lambda s: stored(store, first_avatar))
    assert site.call(lambda s: stored(store, avatar_key))
    gone = api(site, "DELETE", "/api/v1/profile/avatar", alice)
    assert gone.status_code == 200
    assert gone.json()["avatar"].endswith("/avatar.svg") and "source" in gone.json()
    assert gone.json()["header"] == me["header"]
    site.run_jobs()
    assert not site.call(lambda s: stored(store, avatar_key))
    assert site.call(lambda s: stored(store, header_key))
    header_gone = api(site, "DELETE", "/api/v1/profile/header", alice).json()
    assert header_gone["header"].endswith("/header.png")
    site.run_jobs()
    assert not site.call(lambda s: stored(store, header_key))
    assert site.call(keys) == (None, None)
    # Nothing left to remove: the same answer.
    assert api(site, "DELETE", "/api/v1/profile/avatar", alice).status_code == 200
    assert api(site, "DELETE", "/api/v1/profile/avatar", {}).status_code == 401

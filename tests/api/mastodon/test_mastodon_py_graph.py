"""Mastodon.py, unmodified, on a running Salon: a locked account, a follow request that is
authorized, and the rest of the account methods it has (notes, endorsements, mute with a
duration, profile fields, avatar removal, removing a follower)."""

from __future__ import annotations

import time
from typing import Any

from mastodon import Mastodon

from tests.api.mastodon.test_mastodon_py import _png

SCOPES = ["read", "write", "follow"]
PASSWORD = "correct horse battery"


def _account(server: str, app: tuple[str, str], username: str) -> Mastodon:
    person = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=server)
    person.create_account(username, PASSWORD, f"{username}@example.com", agreement=True,
                          scopes=SCOPES)
    return person


def _eventually(fn: Any, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := fn()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.2)
    return result


def test_follow_requests_with_mastodon_py(server: str) -> None:
    app = Mastodon.create_app("Mastodon.py graph", api_base_url=server, scopes=SCOPES)
    alice, bob = _account(server, app, "lockedalice"), _account(server, app, "askingbob")
    me = alice.account_update_credentials(locked=True, fields=[
        ("Site", "https://example.com"), ("Pronouns", "she/her")])
    assert me["locked"] is True and [f["name"] for f in me["fields"]] == ["Site", "Pronouns"]
    secret = alice.status_post("followers only", visibility="private")

    asked = bob.account_follow(me["id"])
    assert asked["requested"] is True and asked["following"] is False
    waiting = alice.follow_requests()
    assert [a["username"] for a in waiting] == ["askingbob"]
    assert _eventually(lambda: [n for n in alice.notifications()
                                if n["type"] == "follow_request"])
    assert secret["id"] not in {s["id"] for s in bob.account_statuses(me["id"])}

    answered = alice.follow_request_authorize(waiting[0]["id"])
    assert answered["followed_by"] is True
    assert alice.follow_requests() == []
    assert secret["id"] in {s["id"] for s in bob.account_statuses(me["id"])}
    assert _eventually(lambda: secret["id"] in {s["id"] for s in bob.timeline_home()})

    bob_id = bob.account_verify_credentials()["id"]
    assert alice.account_note_set(bob_id, "met at the fair")["note"] == "met at the fair"
    alice.account_follow(bob_id)
    assert alice.account_endorse(bob_id)["endorsed"] is True
    assert [a["id"] for a in alice.endorsements()] == [bob_id]
    assert alice.account_unendorse(bob_id)["endorsed"] is False
    muted = alice.account_mute(bob_id, notifications=False, duration=600)
    assert muted["muting"] is True and muted["muting_notifications"] is False
    assert alice.mutes()[0]["mute_expires_at"] is not None
    alice.account_unmute(bob_id)

    alice.account_update_credentials(avatar=_png(), avatar_mime_type="image/png")
    cleared = alice.account_delete_avatar()
    assert cleared["avatar"].endswith("/avatar.svg")

    removed = alice.account_remove_from_followers(bob_id)
    assert removed["followed_by"] is False
    assert bob.account_relationships(me["id"])[0]["following"] is False

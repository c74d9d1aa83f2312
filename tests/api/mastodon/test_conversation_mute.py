"""Muting a thread (Mastodon's conversation mute): the muter hears nothing more of it, the
status says `muted` for them only, and only a post they may see can be muted. Dismissing a
follow suggestion."""

from __future__ import annotations

from typing import Any

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def _post(site: Site, who: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    found = api(site, "POST", "/api/v1/statuses", who, data={"status": text, **extra})
    assert found.status_code == 200, found.text
    return dict(found.json())


def _heard(site: Site, who: dict[str, str]) -> list[tuple[str, str]]:
    """(type, status id) of the person's notifications, newest first."""
    site.run_jobs()
    found = api(site, "GET", "/api/v1/notifications", who).json()
    return [(n["type"], n["status"]["id"]) for n in found]


def test_a_muted_thread_notifies_no_more_until_unmuted(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    carol = token_for(site, "carol")
    root = _post(site, alice, "A thread")
    reply = _post(site, bob, "@alice a reply", in_reply_to_id=root["id"])
    assert ("mention", reply["id"]) in _heard(site, alice)  # a reply, as Mastodon names it

    # Muting any post of the thread (here a reply) mutes the whole thread.
    muted = api(site, "POST", f"/api/v1/statuses/{reply['id']}/mute", alice)
    assert muted.status_code == 200 and muted.json()["muted"] is True
    assert muted.json()["id"] == reply["id"]
    before = _heard(site, alice)
    deeper = _post(site, carol, "@alice deeper", in_reply_to_id=reply["id"])
    assert api(site, "POST", f"/api/v1/statuses/{root['id']}/favourite", bob).status_code == 200
    assert api(site, "POST", f"/api/v1/statuses/{reply['id']}/reblog", carol).status_code == 200
    assert _heard(site, alice) == before
    # Another thread still notifies.
    other = _post(site, alice, "Another")
    api(site, "POST", f"/api/v1/statuses/{other['id']}/favourite", bob)
    assert ("favourite", other["id"]) in _heard(site, alice)

    # `muted` is the muter's, in every status of the thread, and no one else's.
    for status in (root, reply, deeper):
        assert api(site, "GET", f"/api/v1/statuses/{status['id']}", alice).json()["muted"]
        assert not api(site, "GET", f"/api/v1/statuses/{status['id']}", bob).json()["muted"]
    assert "muted" not in api(site, "GET", f"/api/v1/statuses/{root['id']}", {}).json()
    assert not api(site, "GET", f"/api/v1/statuses/{other['id']}", alice).json()["muted"]
    home = api(site, "GET", "/api/v1/timelines/home", alice).json()
    assert {s["id"]: s["muted"] for s in home}[root["id"]] is True
    assert {s["id"]: s["muted"] for s in home}[other["id"]] is False

    again = api(site, "POST", f"/api/v1/statuses/{root['id']}/mute", alice)  # repeatable
    assert again.status_code == 200 and again.json()["muted"] is True
    unmuted = api(site, "POST", f"/api/v1/statuses/{deeper['id']}/unmute", alice)
    assert unmuted.status_code == 200 and unmuted.json()["muted"] is False
    last = _post(site, carol, "@alice after", in_reply_to_id=deeper["id"])
    api(site, "POST", f"/api/v1/statuses/{reply['id']}/favourite", carol)
    heard = _heard(site, alice)
    assert ("mention", last["id"]) in heard
    assert ("favourite", reply["id"]) not in heard  # alice did not write the reply


def test_muted_thread_drops_mentions_for_the_muter_only(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    carol = token_for(site, "carol")
    root = _post(site, carol, "Carol asks @alice and @bob")
    api(site, "POST", f"/api/v1/statuses/{root['id']}/mute", alice)
    answer = _post(site, carol, "@alice @bob more", in_reply_to_id=root["id"])
    assert all(sid != answer["id"] for _, sid in _heard(site, alice))
    assert ("mention", answer["id"]) in _heard(site, bob)


def test_only_a_post_one_may_see_can_be_muted(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    secret = _post(site, alice, "only @carol", visibility="direct")
    private = _post(site, alice, "followers only", visibility="private")
    for status in (secret, private):
        for action in ("mute", "unmute"):
            refused = api(site, "POST", f"/api/v1/statuses/{status['id']}/{action}", bob)
            assert refused.status_code == 404, (status, action)
    shown = _post(site, alice, "public")
    api(site, "POST", f"/api/v1/accounts/{_id_of(site, bob, 'alice')}/block", bob)
    assert api(site, "POST", f"/api/v1/statuses/{shown['id']}/mute", bob).status_code == 404
    for bad in ("abc", "99999999999999999999", "0", "-1"):
        answer = api(site, "POST", f"/api/v1/statuses/{bad}/mute", alice)
        assert answer.status_code in (404, 422), bad
    assert api(site, "POST", f"/api/v1/statuses/{shown['id']}/mute", {}).status_code == 401
    reader = token_for(site, "dave", "read")
    assert api(site, "POST", f"/api/v1/statuses/{shown['id']}/mute", reader).status_code == 403
    muter = token_for(site, "erin", "write:mutes")
    assert api(site, "POST", f"/api/v1/statuses/{shown['id']}/mute", muter).status_code == 200


def _id_of(site: Site, who: dict[str, str], username: str) -> str:
    found = api(site, "GET", "/api/v1/accounts/lookup", who, params={"acct": username})
    return str(found.json()["id"])


def test_dismissed_suggestion_is_not_suggested_again(site: Site) -> None:
    alice = token_for(site, "alice")
    token_for(site, "bob")
    token_for(site, "carol")

    def suggested(who: dict[str, str]) -> set[str]:
        found = api(site, "GET", "/api/v2/suggestions", who).json()
        return {s["account"]["username"] for s in found}

    assert suggested(alice) == {"bob", "carol"}
    bob_id = _id_of(site, alice, "bob")
    gone = api(site, "DELETE", f"/api/v1/suggestions/{bob_id}", alice)
    assert gone.status_code == 200 and gone.json() == {}
    assert suggested(alice) == {"carol"}
    assert api(site, "DELETE", f"/api/v1/suggestions/{bob_id}", alice).json() == {}  # again
    assert "bob" in suggested(token_for(site, "dave"))  # for alice only
    assert api(site, "DELETE", "/api/v1/suggestions/99999999", alice).status_code == 404
    assert api(site, "DELETE", "/api/v1/suggestions/abc", alice).status_code == 404
    assert api(site, "DELETE", f"/api/v1/suggestions/{bob_id}", {}).status_code == 401

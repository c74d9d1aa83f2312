"""Locked accounts and profile fields through the web UI: the setting, the Requested
button, approving and rejecting on the follow requests page (with CSRF), and the fields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salon.settings import Settings
from tests.web import XSS, CheckedSite, articles, assert_escaped, open_site


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def _settings_form(**changes: str) -> dict[str, str]:
    form = {"display_name": "", "bio": ""}
    form.update({f"field_{part}_{i}": "" for i in range(4) for part in ("name", "value")})
    form.update(changes)
    return form


def test_locking_then_approving_and_rejecting(site: CheckedSite) -> None:
    alice, bob, carol = site.user("alice"), site.user("bob"), site.user("carol")
    saved = alice.post("/settings/profile", _settings_form(locked="1"))
    assert saved.status_code == 200 and 'name="locked" value="1" checked' in saved.text
    site.compose(alice, "alice", {"text": "only for followers", "visibility": "private"})

    asked = bob.post("/@alice/follow", headers={"HX-Request": "true"})
    assert "<span>Requested</span>" in asked.text and 'action="/@alice/unfollow"' in asked.text
    carol.post("/@alice/follow")
    site.run_jobs()
    assert "only for followers" not in articles(bob.get("/@alice").text)
    assert "asks to follow you" in alice.get("/notifications").text
    assert "Asks to follow you" in alice.get("/@bob").text
    waiting = alice.get("/follow_requests").text
    assert 'href="/@bob"' in waiting and 'action="/follow_requests/bob/authorize"' in waiting

    # The forms need the page's CSRF token, as every other form.
    forged = alice.client.post("/follow_requests/bob/authorize", data={},
                               follow_redirects=False)
    assert forged.status_code == 403
    assert alice.post("/follow_requests/bob/authorize").status_code == 303
    assert alice.post("/follow_requests/carol/reject").status_code == 303
    assert alice.post("/follow_requests/carol/reject").status_code == 404
    assert alice.post("/follow_requests/bob/maybe").status_code == 404
    site.run_jobs()
    assert "only for followers" in articles(bob.get("/@alice").text)
    assert "only for followers" in articles(bob.get("/home").text)
    assert "only for followers" not in articles(carol.get("/@alice").text)
    assert 'aria-label="Unfollow @alice"' in bob.get("/@alice").text
    assert "No one is waiting" in alice.get("/follow_requests").text

    # Unticked, the account is open again: a follow is at once.
    alice.post("/settings/profile", _settings_form())
    carol.post("/@alice/follow")
    assert 'aria-label="Unfollow @alice"' in carol.get("/@alice").text


def test_cancel_a_request(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    alice.post("/settings/profile", _settings_form(locked="1"))
    bob.post("/@alice/follow")
    assert "<span>Requested</span>" in bob.get("/@alice").text
    bob.post("/@alice/unfollow")
    assert "No one is waiting" in alice.get("/follow_requests").text
    assert "asks to follow you" not in alice.get("/notifications").text


def test_profile_fields_on_the_page(site: CheckedSite) -> None:
    alice = site.user("alice")
    hostile = " ".join(XSS)
    saved = alice.post("/settings/profile", _settings_form(
        field_name_0="Site", field_value_0="https://example.com/alice",
        field_name_1=hostile[:255], field_value_1=hostile[:255]))
    assert saved.status_code == 200, saved.text
    page = site.anon.get("/@alice").text
    assert '<dt>Site</dt><dd><a href="https://example.com/alice"' in page
    assert_escaped(page, "profile fields")
    assert 'value="https://example.com/alice"' in alice.get("/settings/profile").text
    too_long = alice.post("/settings/profile", _settings_form(field_value_2="x" * 256))
    assert too_long.status_code == 422 and "at most 255 characters" in too_long.text

"""Consent to training through the API: /api/v1/salon/consent reads every kind (off until
given) and changes the ones sent, keeping each change with its time; a bad value is a 422
naming the field; reading needs read:accounts and changing write:accounts."""

from __future__ import annotations

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site

CONSENT = "/api/v1/salon/consent"


def test_read_and_change_consent_kind_by_kind(site: Site) -> None:
    ada = token_for(site, "ada")
    first = api(site, "GET", CONSENT, ada).json()
    assert {k: first[k] for k in ("posts", "generated", "uploads", "choices")} == {
        "posts": False, "generated": False, "uploads": False, "choices": False}
    assert first["history"] == [] and first["changed_at"]["posts"] is None

    changed = api(site, "PUT", CONSENT, ada, json={"generated": True, "choices": "true"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["generated"] is body["choices"] is True and body["posts"] is False
    assert body["changed_at"]["generated"] and body["changed_at"]["posts"] is None
    assert {(c["kind"], c["granted"]) for c in body["history"]} == {
        ("generated", True), ("choices", True)}

    again = api(site, "PUT", CONSENT, ada, data={"generated": "false"}).json()
    assert again["generated"] is False and again["choices"] is True
    assert [(c["kind"], c["granted"]) for c in again["history"]][0] == ("generated", False)
    same = api(site, "PUT", CONSENT, ada, json={"choices": True}).json()
    assert len(same["history"]) == 3  # an answer equal to the current one is not a change

    bad = api(site, "PUT", CONSENT, ada, json={"posts": "perhaps"})
    assert bad.status_code == 422 and "posts" in bad.json()["error"]
    assert api(site, "GET", "/api/v1/salon/consent/exports", ada).json() == []


def test_scopes_and_anonymous_callers(site: Site) -> None:
    reader = token_for(site, "reader", "read")
    assert api(site, "GET", CONSENT, reader).status_code == 200
    assert api(site, "PUT", CONSENT, reader, json={"posts": True}).status_code == 403
    assert api(site, "GET", CONSENT, {}).status_code == 401

"""For You through the Mastodon API: /api/v1/timelines/for_you (statuses with salon.reason,
paging by Link that is stable and never repeats) and the feedback endpoint."""

from __future__ import annotations

from typing import Any

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site

TIMELINE = "/api/v1/timelines/for_you"
FEEDBACK = "/api/v1/salon/for_you/feedback"


def _post(site: Site, who: dict[str, str], text: str, **more: Any) -> str:
    return str(api(site, "POST", "/api/v1/statuses", who,
                   data={"status": text, **more}).json()["id"])


def _me(site: Site, who: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", who).json()["id"])


def _next(response: Any) -> str | None:
    link = response.headers.get("link", "")
    if 'rel="next"' not in link:
        return None
    return link.split(">")[0].lstrip("<").replace("http://testserver", "")


def test_statuses_carry_a_reason_and_paging_is_stable(site: Site) -> None:
    alice, bob, carl = (token_for(site, n) for n in ("alice", "bob", "carl"))
    api(site, "POST", f"/api/v1/accounts/{_me(site, bob)}/follow", alice)
    made = {_post(site, bob, f"bob's sketch {n}") for n in range(4)}
    made |= {_post(site, carl, f"carl's study {n} #inktober") for n in range(4)}
    _post(site, carl, "for followers only", visibility="private")
    _post(site, alice, "alice's own post")
    site.run_jobs()

    first = api(site, "GET", TIMELINE, alice, params={"limit": 3})
    assert first.status_code == 200
    statuses = first.json()
    assert len(statuses) == 3
    for status in statuses:
        reason = status["salon"]["reason"]
        assert set(reason) == {"kind", "text"} and reason["text"]
        assert status["reblog"] is None and status["visibility"] == "public"
    by_bob = [s for s in statuses if s["account"]["username"] == "bob"]
    assert by_bob and by_bob[0]["salon"]["reason"] == {
        "kind": "in_network", "text": "from @bob, who you follow"}

    seen = [s["id"] for s in statuses]
    path = _next(first)
    while path is not None:
        page = api(site, "GET", path, alice)
        seen += [s["id"] for s in page.json()]
        path = _next(page)
    assert len(seen) == len(set(seen)) and set(seen) == made
    # The same pages again: the kept ranking answers them alike.
    again = api(site, "GET", TIMELINE, alice, params={"limit": 3, "max_id": seen[2]}).json()
    assert [s["id"] for s in again] == seen[3:6]

    for newer in ({"since_id": seen[0]}, {"min_id": seen[0]}):
        assert api(site, "GET", TIMELINE, alice, params=newer).json() == []


def test_feedback_changes_the_feed_and_bad_input_names_the_field(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    bob_id = _me(site, bob)
    posted = _post(site, bob, "a drawing of a #heron")
    hidden = _post(site, bob, "followers only", visibility="private")
    assert [s["id"] for s in api(site, "GET", TIMELINE, alice).json()] == [posted]

    made = api(site, "POST", FEEDBACK, alice, data={"kind": "not_interested",
                                                    "account_id": bob_id})
    assert made.status_code == 200
    assert made.json() == {"id": made.json()["id"], "kind": "not_interested",
                           "status_id": None, "account_id": bob_id, "tag": None}
    assert api(site, "GET", TIMELINE, alice).json() == []
    undone = api(site, "DELETE", FEEDBACK, alice, data={"kind": "not_interested",
                                                        "account_id": bob_id})
    assert undone.json() == {}
    assert [s["id"] for s in api(site, "GET", TIMELINE, alice).json()] == [posted]
    tagged = api(site, "POST", FEEDBACK, alice, json={"kind": "not_interested",
                                                      "tag": "#Heron"}).json()
    assert tagged["tag"] == "heron"
    assert api(site, "GET", TIMELINE, alice).json() == []

    for data, status, field in (
            ({}, 422, "kind"),
            ({"kind": "meh", "status_id": posted}, 422, "kind"),
            ({"kind": "less"}, 422, "status_id"),
            ({"kind": "less", "account_id": bob_id}, 422, "status_id"),
            ({"kind": "not_interested", "status_id": posted, "account_id": bob_id}, 422,
             "account_id"),
            ({"kind": "less", "status_id": "abc"}, 422, "status_id"),
            ({"kind": "less", "status_id": hidden}, 404, "status_id"),
            ({"kind": "not_interested", "account_id": "123"}, 404, "account_id"),
            ({"kind": "not_interested", "tag": "nosuchtag"}, 404, "tag"),
            ({"kind": "not_interested", "account_id": _me(site, alice)}, 422, "account_id")):
        refused = api(site, "POST", FEEDBACK, alice, data=data)
        assert refused.status_code == status, (data, refused.text)
        assert refused.json()["error"].startswith(field), (data, refused.json())


def test_scopes(site: Site) -> None:
    reader = token_for(site, "alice", "read:statuses")
    assert api(site, "GET", TIMELINE, reader).status_code == 200
    assert api(site, "GET", TIMELINE, {}).status_code == 401
    assert api(site, "GET", TIMELINE, token_for(site, "bob", "read:lists")).status_code == 403
    refused = api(site, "POST", FEEDBACK, reader, data={"kind": "less", "status_id": "1"})
    assert refused.status_code == 403
    writer = token_for(site, "carl", "write:filters")
    assert api(site, "POST", FEEDBACK, writer,
               data={"kind": "less", "status_id": "1"}).status_code == 404

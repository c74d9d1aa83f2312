"""The notification policy: a stranger's notifications filtered (kept aside as a request) or
dropped as the account asks; accepting the request lets that account through from then on;
dismissing it clears what it held."""

from __future__ import annotations

from typing import Any

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site

POLICY = "/api/v2/notifications/policy"
REQUESTS = "/api/v1/notifications/requests"


def me(site: Site, headers: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", headers).json()["id"])


def mention(site: Site, who: dict[str, str], text: str = "@alice hello",
            visibility: str = "public") -> str:
    posted = api(site, "POST", "/api/v1/statuses", who,
                 json={"status": text, "visibility": visibility}).json()
    site.run_jobs()
    return str(posted["id"])


def listed(site: Site, alice: dict[str, str], **params: Any) -> list[str]:
    """The status ids of alice's notifications, in both lists (which must agree)."""
    v1 = api(site, "GET", "/api/v1/notifications", alice, params=params).json()
    v2 = api(site, "GET", "/api/v2/notifications", alice, params=params).json()
    assert sorted(g["status_id"] for g in v2["notification_groups"]) == sorted(
        n["status"]["id"] for n in v1)
    return [n["status"]["id"] for n in v1]


def test_the_policy_reads_and_saves_in_both_shapes(site: Site) -> None:
    alice = token_for(site, "alice")
    policy = api(site, "GET", POLICY, alice).json()
    assert policy == {"for_not_following": "accept", "for_not_followers": "accept",
                      "for_new_accounts": "accept", "for_private_mentions": "accept",
                      "for_limited_accounts": "accept",
                      "summary": {"pending_requests_count": 0,
                                  "pending_notifications_count": 0}}
    saved = api(site, "PATCH", POLICY, alice, json={"for_not_following": "filter",
                                                   "for_new_accounts": "drop"}).json()
    assert saved["for_not_following"] == "filter" and saved["for_new_accounts"] == "drop"
    assert api(site, "GET", POLICY, alice).json()["for_not_followers"] == "accept"
    v1 = api(site, "GET", "/api/v1/notifications/policy", alice).json()
    assert v1["filter_not_following"] is True and v1["filter_not_followers"] is False
    assert v1["filter_new_accounts"] is True and "summary" in v1
    api(site, "PUT", "/api/v1/notifications/policy", alice,
        data={"filter_not_following": "false", "filter_private_mentions": "true"})
    now = api(site, "GET", POLICY, alice).json()
    assert now["for_not_following"] == "accept" and now["for_private_mentions"] == "filter"
    assert now["for_new_accounts"] == "drop"  # left as it was
    for body, field in (({"for_not_following": "maybe"}, "for_not_following"),
                        ({"for_bots": "x", "for_limited_accounts": 3}, "for_limited_accounts")):
        bad = api(site, "PATCH", POLICY, alice, json=body)
        assert bad.status_code == 422 and field in bad.json()["error"], bad.text
    bad = api(site, "PUT", "/api/v1/notifications/policy", alice,
              data={"filter_new_accounts": "sometimes"})
    assert bad.status_code == 422 and "filter_new_accounts" in bad.json()["error"]
    assert api(site, "PATCH", POLICY, token_for(site, "bob", "read")).status_code == 403


def test_a_strangers_mention_is_filtered_then_accepted(site: Site) -> None:
    alice, friend, mallory = (token_for(site, n) for n in ("alice", "friend", "mallory"))
    api(site, "POST", f"/api/v1/accounts/{me(site, friend)}/follow", alice)
    site.run_jobs()
    api(site, "PATCH", POLICY, alice, json={"for_not_following": "filter"})
    kept_aside = mention(site, mallory)
    from_friend = mention(site, friend)  # alice follows friend: always through
    assert listed(site, alice) == [from_friend]
    assert api(site, "GET", "/api/v1/notifications/unread_count", alice).json() == {"count": 1}
    assert api(site, "GET", "/api/v2/notifications/unread_count", alice).json() == {"count": 1}
    assert set(listed(site, alice, include_filtered="true")) == {kept_aside, from_friend}
    summary = api(site, "GET", POLICY, alice).json()["summary"]
    assert summary == {"pending_requests_count": 1, "pending_notifications_count": 1}
    requests = api(site, "GET", REQUESTS, alice).json()
    assert len(requests) == 1
    request = requests[0]
    assert request["account"]["username"] == "mallory"
    assert request["notifications_count"] == "1"
    assert request["last_status"]["id"] == kept_aside
    assert api(site, "GET", f"{REQUESTS}/{request['id']}", alice).json()["id"] == request["id"]
    # A second one joins the same request.
    again = mention(site, mallory, "@alice again")
    requests = api(site, "GET", REQUESTS, alice).json()
    assert [r["notifications_count"] for r in requests] == ["2"]
    assert requests[0]["last_status"]["id"] == again
    # Nobody else sees or accepts alice's requests.
    assert api(site, "GET", f"{REQUESTS}/{request['id']}", mallory).status_code == 404
    assert api(site, "POST", f"{REQUESTS}/{request['id']}/accept", mallory).status_code == 404
    assert api(site, "POST", f"{REQUESTS}/{request['id']}/accept", alice).json() == {}
    assert api(site, "GET", f"{REQUESTS}/merged", alice).json() == {"merged": True}
    assert set(listed(site, alice)) == {kept_aside, again, from_friend}
    assert api(site, "GET", REQUESTS, alice).json() == []
    # From now on mallory comes through.
    later = mention(site, mallory, "@alice and later")
    assert listed(site, alice)[0] == later
    assert api(site, "GET", POLICY, alice).json()["summary"]["pending_requests_count"] == 0


def test_drop_stores_nothing(site: Site) -> None:
    alice, stranger = token_for(site, "alice"), token_for(site, "stranger")
    api(site, "PATCH", POLICY, alice, json={"for_not_following": "drop"})
    mention(site, stranger)
    assert listed(site, alice, include_filtered="true") == []
    assert api(site, "GET", REQUESTS, alice).json() == []
    # Likes of alice's post by the stranger are dropped too; polls she voted in would not be.
    post = api(site, "POST", "/api/v1/statuses", alice, json={"status": "mine"}).json()
    api(site, "POST", f"/api/v1/statuses/{post['id']}/favourite", stranger)
    site.run_jobs()
    assert api(site, "GET", "/api/v2/notifications", alice,
               params={"include_filtered": "true"}).json()["notification_groups"] == []


def test_dismiss_requests_one_or_many(site: Site) -> None:
    alice = token_for(site, "alice")
    strangers = [token_for(site, f"s{n}") for n in range(3)]
    api(site, "PATCH", POLICY, alice, json={"for_not_followers": "filter"})
    for who in strangers:
        mention(site, who)
    requests = api(site, "GET", REQUESTS, alice, params={"limit": 2})
    assert len(requests.json()) == 2 and "next" in requests.headers["link"]
    ids = [r["id"] for r in api(site, "GET", REQUESTS, alice).json()]
    assert api(site, "POST", f"{REQUESTS}/{ids[0]}/dismiss", alice).json() == {}
    assert api(site, "POST", f"{REQUESTS}/{ids[0]}/dismiss", alice).status_code == 404
    assert api(site, "POST", f"{REQUESTS}/dismiss", alice, data={"id[]": ids[1:]}).json() == {}
    assert api(site, "GET", REQUESTS, alice).json() == []
    assert listed(site, alice, include_filtered="true") == []  # their notifications went too
    # A new filtered notification opens a new request; the bulk accept takes it.
    mention(site, strangers[0], "@alice once more")
    fresh = api(site, "GET", REQUESTS, alice).json()
    assert len(fresh) == 1 and fresh[0]["notifications_count"] == "1"
    accepted = api(site, "POST", f"{REQUESTS}/accept", alice, json={"id": [fresh[0]["id"]]})
    assert accepted.json() == {}
    assert len(listed(site, alice)) == 1
    bad = api(site, "POST", f"{REQUESTS}/accept", alice, data={"id[]": ["x"]})
    assert bad.status_code == 422 and "id" in bad.json()["error"]
    assert api(site, "GET", f"{REQUESTS}/abc", alice).status_code == 404


def test_private_mentions_and_new_accounts(site: Site) -> None:
    alice, stranger = token_for(site, "alice"), token_for(site, "stranger")
    api(site, "PATCH", POLICY, alice, json={"for_private_mentions": "filter"})
    public = mention(site, stranger)
    direct = mention(site, stranger, "@alice psst", "direct")
    assert listed(site, alice) == [public]
    assert set(listed(site, alice, include_filtered="true")) == {public, direct}
    # A direct answer to alice's own post is not a stranger's private mention.
    mine = api(site, "POST", "/api/v1/statuses", alice, json={"status": "ask me"}).json()
    answer = api(site, "POST", "/api/v1/statuses", stranger, json={
        "status": "@alice answer", "visibility": "direct", "in_reply_to_id": mine["id"]}).json()
    site.run_jobs()
    assert listed(site, alice)[0] == answer["id"]
    # Every account here is new: for_new_accounts filters them all, staff aside.
    api(site, "PATCH", POLICY, alice, json={"for_private_mentions": "accept",
                                           "for_new_accounts": "filter"})
    newer = mention(site, stranger, "@alice new")
    assert newer not in listed(site, alice)


def test_a_blocked_senders_request_is_hidden_and_its_post_never_shown(site: Site) -> None:
    alice, mallory = token_for(site, "alice"), token_for(site, "mallory")
    api(site, "PATCH", POLICY, alice, json={"for_not_following": "filter"})
    mention(site, mallory, "@alice followers only", "private")
    assert len(api(site, "GET", REQUESTS, alice).json()) == 1
    api(site, "POST", f"/api/v1/accounts/{me(site, mallory)}/block", alice)
    assert api(site, "GET", REQUESTS, alice).json() == []
    assert api(site, "GET", POLICY, alice).json()["summary"] == {
        "pending_requests_count": 0, "pending_notifications_count": 0}


def test_clearing_notifications_clears_requests(site: Site) -> None:
    alice, mallory = token_for(site, "alice"), token_for(site, "mallory")
    api(site, "PATCH", POLICY, alice, json={"for_not_following": "filter"})
    mention(site, mallory)
    assert len(api(site, "GET", REQUESTS, alice).json()) == 1
    api(site, "POST", "/api/v1/notifications/clear", alice)
    assert api(site, "GET", REQUESTS, alice).json() == []
    assert listed(site, alice, include_filtered="true") == []

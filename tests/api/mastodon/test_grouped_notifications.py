"""Grouped notifications (API v2) as Phanpy, Elk and Ivory read them: groups, paging across
groups, filters, partial accounts, unread counts against the marker, and never a post the
reader may no longer see."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.notifications import service as notifications
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site

V2 = "/api/v2/notifications"


def me(site: Site, headers: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", headers).json()["id"])


def grouped(site: Site, headers: dict[str, str], **params: Any) -> Any:
    answer = api(site, "GET", V2, headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer


def next_link(answer: Any, rel: str = "next") -> str:
    for part in answer.headers.get("link", "").split(","):
        if f'rel="{rel}"' in part:
            return str(part.split(">")[0].strip().lstrip("<").replace("http://testserver", ""))
    raise AssertionError(f"no {rel} link")


def three_likes(site: Site) -> dict[str, Any]:
    """alice's post liked by bob, carol and dave (in that order); erin follows her; frank
    mentions her."""
    people = {n: token_for(site, n) for n in ("alice", "bob", "carol", "dave", "erin", "frank")}
    ids = {n: me(site, h) for n, h in people.items()}
    post = api(site, "POST", "/api/v1/statuses", people["alice"],
               json={"status": "like me"}).json()
    for name in ("bob", "carol", "dave"):
        api(site, "POST", f"/api/v1/statuses/{post['id']}/favourite", people[name])
        site.run_jobs()
    api(site, "POST", f"/api/v1/accounts/{ids['alice']}/follow", people["erin"])
    site.run_jobs()
    api(site, "POST", "/api/v1/statuses", people["frank"], json={"status": "hi @alice"})
    site.run_jobs()
    return {"tokens": people, "ids": ids, "post": post}


def test_three_likes_on_one_post_are_one_group(site: Site) -> None:
    world = three_likes(site)
    alice, ids, post = world["tokens"]["alice"], world["ids"], world["post"]
    body = grouped(site, alice).json()
    assert set(body) == {"accounts", "statuses", "notification_groups"}
    groups = body["notification_groups"]
    assert [g["type"] for g in groups] == ["mention", "follow", "favourite"]
    likes = groups[2]
    assert likes["notifications_count"] == 3 and likes["status_id"] == post["id"]
    assert likes["sample_account_ids"] == [ids["dave"], ids["carol"], ids["bob"]]
    assert likes["group_key"].startswith(f"favourite-{post['id']}-")
    assert int(likes["page_min_id"]) < int(likes["page_max_id"]) == int(
        likes["most_recent_notification_id"])
    assert likes["latest_page_notification_at"].endswith("Z")
    mention = groups[0]
    assert mention["group_key"] == f"ungrouped-{mention['most_recent_notification_id']}"
    assert "status_id" not in groups[1]  # a follow is about no post
    # Each account and status once, in full.
    assert sorted(a["id"] for a in body["accounts"]) == sorted(
        ids[n] for n in ("bob", "carol", "dave", "erin", "frank"))
    assert body["accounts"][0]["username"]
    statuses = {s["id"]: s for s in body["statuses"]}
    assert post["id"] in statuses and len(body["statuses"]) == 2
    assert statuses[post["id"]]["favourites_count"] == 3
    # The v1 list names the same group for each like; the group reads alone, too.
    v1 = api(site, "GET", "/api/v1/notifications", alice).json()
    assert {n["group_key"] for n in v1 if n["type"] == "favourite"} == {likes["group_key"]}
    one = api(site, "GET", f"{V2}/{likes['group_key']}", alice).json()
    assert one["notification_groups"][0]["notifications_count"] == 3
    assert "page_min_id" not in one["notification_groups"][0]
    assert [s["id"] for s in one["statuses"]] == [post["id"]]
    who = api(site, "GET", f"{V2}/{likes['group_key']}/accounts", alice).json()
    assert [a["id"] for a in who] == [ids["dave"], ids["carol"], ids["bob"]]
    paged = api(site, "GET", f"{V2}/{likes['group_key']}/accounts", alice, params={"limit": 2})
    assert len(paged.json()) == 2 and next_link(paged)
    rest = api(site, "GET", next_link(paged), alice).json()
    assert [a["id"] for a in rest] == [ids["bob"]]
    # Dismissing the group dismisses its three notifications.
    assert api(site, "POST", f"{V2}/{likes['group_key']}/dismiss", alice).json() == {}
    left = grouped(site, alice).json()["notification_groups"]
    assert [g["type"] for g in left] == ["mention", "follow"]
    assert api(site, "GET", f"{V2}/{likes['group_key']}", alice).status_code == 404
    # Nobody else reads or dismisses alice's groups.
    bob = world["tokens"]["bob"]
    assert api(site, "GET", f"{V2}/{mention['group_key']}", bob).status_code == 404
    api(site, "POST", f"{V2}/{mention['group_key']}/dismiss", bob)
    assert len(grouped(site, alice).json()["notification_groups"]) == 2


def test_paging_across_groups(site: Site) -> None:
    alice, bob, carol = (token_for(site, n) for n in ("alice", "bob", "carol"))
    first = api(site, "POST", "/api/v1/statuses", alice, json={"status": "one"}).json()
    second = api(site, "POST", "/api/v1/statuses", alice, json={"status": "two"}).json()
    # Oldest first: bob likes 1, bob likes 2, a mention, carol likes 1, carol likes 2, mention.
    for who, what in ((bob, first), (bob, second), (bob, None), (carol, first),
                      (carol, second), (carol, None)):
        if what is None:
            api(site, "POST", "/api/v1/statuses", who, json={"status": "@alice look"})
        else:
            api(site, "POST", f"/api/v1/statuses/{what['id']}/favourite", who)
        site.run_jobs()
    page1 = grouped(site, alice, limit=2)
    groups1 = page1.json()["notification_groups"]
    assert [g["type"] for g in groups1] == ["mention", "favourite"]
    assert groups1[1]["status_id"] == second["id"] and groups1[1]["notifications_count"] == 2
    page2 = api(site, "GET", next_link(page1), alice)
    groups2 = page2.json()["notification_groups"]
    assert [g["type"] for g in groups2] == ["favourite", "mention"]
    assert groups2[0]["status_id"] == first["id"]
    assert groups2[0]["notifications_count"] == 2
    seen = [g["group_key"] for g in groups1 + groups2]
    assert len(set(seen)) == 4
    # Statuses travel with the page that names them.
    assert {s["id"] for s in page2.json()["statuses"]} >= {first["id"]}
    # Newer than the first page: nothing, then a new like's group.
    newer = next_link(page1, "prev")
    assert newer and grouped(site, alice, min_id=groups1[0]["page_max_id"]).json()[
        "notification_groups"] == []
    dave = token_for(site, "dave")
    api(site, "POST", f"/api/v1/statuses/{first['id']}/favourite", dave)
    site.run_jobs()
    fresh = api(site, "GET", newer, alice).json()["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in fresh] == [("favourite", 3)]
    since = grouped(site, alice, since_id=groups1[0]["page_max_id"]).json()
    assert [g["status_id"] for g in since["notification_groups"]] == [first["id"]]


def test_filters_by_type_account_and_grouped_types(site: Site) -> None:
    world = three_likes(site)
    alice, ids = world["tokens"]["alice"], world["ids"]

    def types(**params: Any) -> list[tuple[str, int]]:
        return [(g["type"], g["notifications_count"])
                for g in grouped(site, alice, **params).json()["notification_groups"]]

    assert types(**{"types[]": ["favourite"]}) == [("favourite", 3)]
    assert types(**{"exclude_types[]": ["favourite", "follow"]}) == [("mention", 1)]
    assert types(account_id=ids["carol"]) == [("favourite", 1)]
    assert types(**{"types[]": ["follow_request", "admin.sign_up"]}) == []
    # A client that does not show likes grouped gets each alone.
    alone = grouped(site, alice, **{"grouped_types[]": ["reblog", "follow"]}).json()
    likes = [g for g in alone["notification_groups"] if g["type"] == "favourite"]
    assert [g["notifications_count"] for g in likes] == [1, 1, 1]
    assert all(g["group_key"] == f"ungrouped-{g['most_recent_notification_id']}"
               for g in likes)
    assert len(alone["statuses"]) == 2  # the liked post once


def test_partial_avatars(site: Site) -> None:
    world = three_likes(site)
    alice, ids = world["tokens"]["alice"], world["ids"]
    body = grouped(site, alice, expand_accounts="partial_avatars").json()
    full = {a["id"] for a in body["accounts"]}
    assert full == {ids["dave"], ids["erin"], ids["frank"]}  # each group's most recent
    partial = body["partial_accounts"]
    assert {a["id"] for a in partial} == {ids["carol"], ids["bob"]}
    assert set(partial[0]) == {"id", "acct", "url", "avatar", "avatar_static", "locked", "bot"}
    assert "partial_accounts" not in grouped(site, alice).json()


def test_unread_counts_against_the_marker(site: Site) -> None:
    world = three_likes(site)
    alice = world["tokens"]["alice"]

    def counts(**params: Any) -> tuple[int, int]:
        v1 = api(site, "GET", "/api/v1/notifications/unread_count", alice, params=params)
        v2 = api(site, "GET", f"{V2}/unread_count", alice, params=params)
        assert v1.status_code == v2.status_code == 200, (v1.text, v2.text)
        return v1.json()["count"], v2.json()["count"]

    assert counts() == (5, 3)  # three likes, a follow, a mention; three groups
    assert counts(limit=2) == (2, 2)
    assert counts(**{"types[]": ["favourite"]}) == (3, 1)
    assert counts(**{"exclude_types[]": ["favourite"]}) == (2, 2)
    assert counts(account_id=world["ids"]["bob"]) == (1, 1)
    grouping_off = api(site, "GET", f"{V2}/unread_count", alice,
                       params={"grouped_types[]": ["follow"]}).json()
    assert grouping_off == {"count": 5}
    v1 = api(site, "GET", "/api/v1/notifications", alice).json()
    likes = [n["id"] for n in v1 if n["type"] == "favourite"]  # newest first
    api(site, "POST", "/api/v1/markers", alice,
        json={"notifications": {"last_read_id": likes[1]}})
    assert counts() == (3, 3)  # dave's like (its group), the follow, the mention
    api(site, "POST", "/api/v1/markers", alice,
        json={"notifications": {"last_read_id": v1[0]["id"]}})
    assert counts() == (0, 0)


def test_unread_count_is_not_taken_for_an_id(site: Site) -> None:
    """It fell into `/{notification_id}` once; that route takes ids only."""
    alice = token_for(site, "alice")
    assert api(site, "GET", "/api/v1/notifications/unread_count", alice).json() == {"count": 0}
    for path in ("/api/v1/notifications/abc", "/api/v1/notifications/12x",
                 "/api/v1/notifications/99999999999999999999"):
        answer = api(site, "GET", path, alice)
        assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}


def test_bad_input_names_the_field(site: Site) -> None:
    alice = token_for(site, "alice")
    cases = [
        (V2, {"expand_accounts": "everything"}, "expand_accounts"),
        (V2, {"limit": "many"}, "limit"),
        (V2, {"max_id": "x1"}, "max_id"),
        (V2, {"min_id": "-3"}, "min_id"),
        (V2, {"account_id": "bob"}, "account_id"),
        (V2, {"include_filtered": "perhaps"}, "include_filtered"),
        (V2, {"types[]": ["x" * 101]}, "types"),
        (f"{V2}/unread_count", {"limit": "lots"}, "limit"),
        ("/api/v1/notifications/unread_count", {"account_id": "?"}, "account_id"),
        ("/api/v1/notifications", {"exclude_types[]": ["y" * 200]}, "exclude_types"),
    ]
    for path, params, field in cases:
        answer = api(site, "GET", path, alice, params=params)
        assert answer.status_code == 422 and field in answer.json()["error"], (path, answer.text)
    assert api(site, "GET", f"{V2}/ungrouped-abc", alice).status_code == 404
    assert api(site, "GET", f"{V2}/{'k' * 300}", alice).status_code == 404
    for odd in ("%00", "caf%C3%A9", "a%20b"):
        assert api(site, "GET", f"{V2}/{odd}", alice).status_code == 404
        assert api(site, "POST", f"{V2}/{odd}/dismiss", alice).status_code == 404
    assert api(site, "GET", f"{V2}/favourite-1-2/accounts", alice).json() == []
    assert api(site, "GET", V2, {}).status_code == 401


def test_a_post_the_reader_may_no_longer_see_is_never_shown(site: Site) -> None:
    """bob's posts reach alice through her bell; after she unfollows, the followers-only one is
    gone from her notifications (both lists, the group, the count of statuses), the others
    stay; after a block, everything of bob's goes."""
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    bob_id = me(site, bob)
    api(site, "POST", f"/api/v1/accounts/{bob_id}/follow", alice, json={"notify": True})
    site.run_jobs()
    posted = {}
    for visibility in ("public", "unlisted", "private", "direct"):
        posted[visibility] = api(site, "POST", "/api/v1/statuses", bob, json={
            "status": f"a {visibility} post", "visibility": visibility}).json()["id"]
        site.run_jobs()

    def shown() -> tuple[set[str], set[str], set[str]]:
        body = grouped(site, alice).json()
        v1 = api(site, "GET", "/api/v1/notifications", alice).json()
        return ({g["status_id"] for g in body["notification_groups"]},
                {s["id"] for s in body["statuses"]}, {n["status"]["id"] for n in v1})

    before = {posted["public"], posted["unlisted"], posted["private"]}  # not told of direct
    assert shown() == (before, before, before)
    keys = {g["status_id"]: g["group_key"]
            for g in grouped(site, alice).json()["notification_groups"]}
    api(site, "POST", f"/api/v1/accounts/{bob_id}/unfollow", alice)
    after = {posted["public"], posted["unlisted"]}
    assert shown() == (after, after, after)
    assert api(site, "GET", f"{V2}/{keys[posted['private']]}", alice).status_code == 404
    api(site, "POST", f"/api/v1/accounts/{bob_id}/block", alice)
    assert shown() == (set(), set(), set())
    assert grouped(site, alice).json()["accounts"] == []
    assert api(site, "GET", f"{V2}/unread_count", alice).json() == {"count": 0}


def test_muted_and_suspended_senders_leave_no_group(site: Site) -> None:
    world = three_likes(site)
    alice, ids = world["tokens"]["alice"], world["ids"]
    api(site, "POST", f"/api/v1/accounts/{ids['dave']}/mute", alice)
    likes = [g for g in grouped(site, alice).json()["notification_groups"]
             if g["type"] == "favourite"][0]
    assert likes["notifications_count"] == 2 and ids["dave"] not in likes["sample_account_ids"]

    async def suspend(session: AsyncSession) -> None:
        await accounts.suspend(session, int(ids["frank"]))

    site.call(suspend)
    body = grouped(site, alice).json()
    assert "mention" not in [g["type"] for g in body["notification_groups"]]
    assert ids["frank"] not in {a["id"] for a in body["accounts"]}


def test_types_salon_does_not_group_are_their_own_group(site: Site) -> None:
    """follow_request (locked accounts) and others to come are simply ungrouped."""
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    alice_id, bob_id = me(site, alice), me(site, bob)

    async def ask(session: AsyncSession) -> None:
        for _ in range(2):
            await notifications.notify(session, "follow_request", int(alice_id), int(bob_id))
        await notifications.notify(session, "admin.report", int(alice_id), int(bob_id))

    site.call(ask)
    body = grouped(site, alice).json()
    assert [(g["type"], g["group_key"].startswith("ungrouped-"))
            for g in body["notification_groups"]] == [
        ("admin.report", True), ("follow_request", True)]
    only = grouped(site, alice, **{"types[]": ["follow_request"]}).json()
    assert [g["type"] for g in only["notification_groups"]] == ["follow_request"]


def test_mastodon_py_reads_grouped_notifications(server: str) -> None:
    """Mastodon.py's own grouped-notification methods, unmodified, against `salon serve`."""
    from mastodon import Mastodon

    scopes = ["read", "write", "follow"]
    client_id, client_secret = Mastodon.create_app(
        "Grouped test", api_base_url=server, scopes=scopes,
        redirect_uris="https://client.example/callback")
    people = {}
    for name in ("gina", "hank", "ivy", "jude"):
        people[name] = Mastodon(client_id=client_id, client_secret=client_secret,
                                api_base_url=server)
        people[name].create_account(name, "correct horse battery", f"{name}@example.com",
                                    agreement=True, scopes=scopes)
    gina = people["gina"]
    post = gina.status_post("like this")
    for name in ("hank", "ivy"):
        people[name].status_favourite(post["id"])
    deadline = time.monotonic() + 15
    while True:  # the worker of `salon serve` makes the notifications
        found = gina.grouped_notifications(expand_accounts="full")
        groups = found["notification_groups"]
        if groups and groups[0]["notifications_count"] == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(g["type"], g["notifications_count"]) for g in groups] == [("favourite", 2)]
    key = groups[0]["group_key"]
    assert str(groups[0]["status_id"]) == str(post["id"])
    assert {a["username"] for a in found["accounts"]} == {"hank", "ivy"}
    partial = gina.grouped_notifications()  # Mastodon.py asks for partial avatars
    assert [a["username"] for a in partial["accounts"]] == ["ivy"]
    assert [a["acct"] for a in partial["partial_accounts"]] == ["hank"]
    assert gina.grouped_notification(key)["notification_groups"][0]["group_key"] == key
    assert [a["username"] for a in gina.grouped_notification_accounts(key)] == ["ivy", "hank"]
    assert gina.unread_grouped_notifications_count() == 1
    assert gina.notifications_unread_count()["count"] == 2
    policy = gina.update_notifications_policy(for_not_following="filter")
    assert policy["for_not_following"] == "filter"
    people["jude"].status_post("@gina hello there")
    deadline = time.monotonic() + 15
    while not gina.notification_requests() and time.monotonic() < deadline:
        time.sleep(0.2)
    request = gina.notification_requests()[0]
    assert request["account"]["username"] == "jude"
    gina.accept_notification_request(request["id"])
    assert gina.notifications_merged() is True
    assert "mention" in [g["type"] for g in
                         gina.grouped_notifications()["notification_groups"]]
    gina.dismiss_grouped_notification(key)
    assert [g["type"] for g in gina.grouped_notifications()["notification_groups"]] == [
        "mention"]

"""The admin API moderation apps use, through the real app: who may call it (role × scope),
what each account action does everywhere, the reports' lifecycle, filters and paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.moderation.models import AdminAction
from tests.api.mastodon.test_endpoints import api
from tests.api.mastodon.test_oauth import (
    REDIRECT,
    authorize,
    bearer,
    code_from,
    exchange,
    register,
)
from tests.conftest import PASSWORD, Site
from tests.security.tokens import issuer

NOT_ALLOWED = {"error": "This action is not allowed"}
OUTSIDE = {"error": "This action is outside the authorized scopes"}
Tokens = Callable[[str], dict[str, str]]


def promote(site: Site, username: str) -> None:
    async def give_role(session: AsyncSession) -> None:
        (await accounts.get_by_username(session, username)).is_admin = True

    site.call(give_role)


def moderator(site: Site, username: str = "boss") -> Tokens:
    tokens = issuer(site, username)
    promote(site, username)
    return tokens


def account_id(site: Site, username: str) -> str:
    async def find(session: AsyncSession) -> int:
        found = await accounts.find_by_username(session, username)
        assert found is not None
        return found.id

    return str(site.call(find))


def audit(site: Site) -> list[tuple[str, str, int, int]]:
    async def read(session: AsyncSession) -> list[tuple[str, str, int, int]]:
        rows = await session.scalars(select(AdminAction).order_by(AdminAction.id))
        return [(a.action, a.target_type, a.target_id, a.account_id) for a in rows]

    return list(site.call(read))


def pending(site: Site, username: str) -> str:
    async def make(session: AsyncSession) -> int:
        return (await accounts.register(session, username, PASSWORD, approved=False)).id

    return str(site.call(make))


def signs_in(site: Site, username: str) -> bool:
    response = site.visitor().post("/login", {"username": username, "password": PASSWORD})
    return bool(response.status_code == 303)


def report(site: Site, by: dict[str, str], **body: Any) -> str:
    filed = api(site, "POST", "/api/v1/reports", by, json=body)
    assert filed.status_code == 200, filed.text
    return str(filed.json()["id"])


READS = ["/api/v2/admin/accounts", "/api/v1/admin/accounts", "/api/v1/admin/reports"]


def test_role_and_scope_matrix(site: Site) -> None:
    boss = moderator(site)
    carol = issuer(site, "carol")
    bob = account_id(site, "carol")
    writes = [f"/api/v1/admin/accounts/{bob}/enable", f"/api/v1/admin/accounts/{bob}/action"]
    for path in READS:
        assert api(site, "GET", path, boss("admin:read")).status_code == 200, path
        assert api(site, "GET", path, boss("admin:read:accounts admin:read:reports")
                   ).status_code == 200, path
        # A moderator's token without the admin scopes: refused for its scope.
        assert api(site, "GET", path, boss("read write follow")).json() == OUTSIDE, path
        assert api(site, "GET", path, boss("admin:write")).json() == OUTSIDE, path
        # Someone without the role: the scope is theirs, the action is not.
        refused = api(site, "GET", path, carol("admin:read admin:write"))
        assert refused.status_code == 403 and refused.json() == NOT_ALLOWED, path
        assert api(site, "GET", path, {}).status_code == 401
    assert api(site, "GET", "/api/v1/admin/reports", boss("admin:read:accounts")
               ).json() == OUTSIDE
    for path in writes:
        assert api(site, "POST", path, boss("admin:read")).json() == OUTSIDE, path
        assert api(site, "POST", path, carol("admin:write")).json() == NOT_ALLOWED, path
    assert api(site, "POST", writes[0], boss("admin:write:accounts")).status_code == 200
    assert api(site, "GET", f"/api/v1/admin/accounts/{bob}", carol("admin:read")
               ).json() == NOT_ALLOWED


def test_a_non_moderator_authorizing_admin_scopes_gets_a_token_that_does_nothing(
        site: Site) -> None:
    """As Mastodon: the scope is granted to whoever authorizes it; the endpoints check the
    role. A moderator going through the same consent page gets a working token."""
    app = register(site, "read admin:read admin:write")
    for name, works in (("carol", False), ("boss", True)):
        person = site.user(name)
        if works:
            promote(site, name)
        code = code_from(authorize(person, app, "read admin:read"))
        issued = exchange(site, app, grant_type="authorization_code", code=code,
                          redirect_uri=REDIRECT).json()
        assert issued["scope"] == "read admin:read"
        answer = api(site, "GET", "/api/v2/admin/accounts", bearer(issued["access_token"]))
        assert (answer.status_code == 200) is works, answer.text
        if not works:
            assert answer.json() == NOT_ALLOWED
    # An app registered without them cannot ask for them.
    plain = register(site, "read write")
    refused = site.user("dora").get("/oauth/authorize", params={
        "response_type": "code", "client_id": plain["client_id"], "redirect_uri": REDIRECT,
        "scope": "read admin:read"})
    assert refused.status_code == 400 and "may only ask for" in refused.text


def test_the_admin_account_entity(site: Site) -> None:
    boss = moderator(site)
    site.user("bob")
    bob = account_id(site, "bob")
    shown = api(site, "GET", f"/api/v1/admin/accounts/{bob}", boss("admin:read")).json()
    assert shown["id"] == bob and shown["username"] == "bob" and shown["domain"] is None
    assert (shown["approved"], shown["disabled"], shown["silenced"], shown["suspended"],
            shown["sensitized"], shown["confirmed"]) == (True, False, False, False, False, True)
    assert shown["role"]["id"] == "-99" and shown["account"]["acct"] == "bob"
    assert shown["email"] == "" and shown["ips"] == [] and shown["ip"] is None
    me = api(site, "GET", f"/api/v1/admin/accounts/{account_id(site, 'boss')}",
             boss("admin:read")).json()
    assert me["role"]["id"] == "3" and me["role"]["permissions"] == "1"


def test_approve_lets_a_pending_account_sign_in_and_reject_removes_it(site: Site) -> None:
    boss = moderator(site)
    waiting, refused = pending(site, "newbie"), pending(site, "spammer")
    assert not signs_in(site, "newbie")
    listed = api(site, "GET", "/api/v2/admin/accounts", boss("admin:read"),
                 params={"status": "pending"}).json()
    assert [a["username"] for a in listed] == ["spammer", "newbie"]
    assert listed[0]["approved"] is False
    approved = api(site, "POST", f"/api/v1/admin/accounts/{waiting}/approve", boss("admin:write"))
    assert approved.status_code == 200 and approved.json()["approved"] is True
    assert signs_in(site, "newbie")
    again = api(site, "POST", f"/api/v1/admin/accounts/{waiting}/approve", boss("admin:write"))
    assert again.status_code == 403  # not pending any more, as Mastodon
    gone = api(site, "POST", f"/api/v1/admin/accounts/{refused}/reject", boss("admin:write"))
    assert gone.status_code == 200 and gone.json()["username"] == "spammer"
    assert api(site, "GET", f"/api/v1/admin/accounts/{refused}", boss("admin:read")
               ).status_code == 404
    assert not signs_in(site, "spammer")
    boss_id = int(account_id(site, "boss"))
    assert audit(site) == [("approve", "account", int(waiting), boss_id),
                           ("reject", "account", int(refused), boss_id)]


def test_suspend_hides_posts_and_stops_tokens_everywhere(site: Site) -> None:
    boss = moderator(site)
    bob_tokens = issuer(site, "bob")
    bob_token = bob_tokens("read write")
    bob = account_id(site, "bob")
    post = api(site, "POST", "/api/v1/statuses", bob_token, json={"status": "hi all"}).json()
    assert api(site, "GET", f"/api/v1/statuses/{post['id']}", {}).status_code == 200
    done = api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
               data={"type": "suspend", "text": "spam run"})
    assert done.status_code == 200 and done.json() == {}
    assert api(site, "GET", "/api/v1/accounts/verify_credentials", bob_token).status_code == 401
    assert api(site, "GET", f"/api/v1/statuses/{post['id']}", {}).status_code == 404
    public = api(site, "GET", "/api/v1/timelines/public", {}).json()
    assert post["id"] not in [s["id"] for s in public]
    assert not signs_in(site, "bob")
    shown = api(site, "GET", f"/api/v1/admin/accounts/{bob}", boss("admin:read")).json()
    assert shown["suspended"] is True
    assert [a["username"] for a in api(site, "GET", "/api/v2/admin/accounts", boss(
        "admin:read"), params={"status": "suspended"}).json()] == ["bob"]
    lifted = api(site, "POST", f"/api/v1/admin/accounts/{bob}/unsuspend", boss("admin:write"))
    assert lifted.status_code == 200 and lifted.json()["suspended"] is False
    assert api(site, "GET", f"/api/v1/statuses/{post['id']}", {}).status_code == 200
    assert api(site, "POST", f"/api/v1/admin/accounts/{bob}/unsuspend", boss("admin:write")
               ).status_code == 403  # not suspended
    # A moderator cannot be suspended this way (the web UI's rule too).
    boss_id = account_id(site, "boss")
    refused = api(site, "POST", f"/api/v1/admin/accounts/{boss_id}/action", boss("admin:write"),
                  data={"type": "suspend"})
    assert refused.status_code == 422
    actions = [(a, t) for a, t, _, who in audit(site) if who == int(boss_id)]
    assert actions == [("suspend", "account"), ("unsuspend", "account")]


def test_disable_stops_sign_in_but_keeps_the_posts(site: Site) -> None:
    boss = moderator(site)
    bob_token = issuer(site, "bob")("read write")
    bob = account_id(site, "bob")
    post = api(site, "POST", "/api/v1/statuses", bob_token, json={"status": "still here"}).json()
    api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
        json={"type": "disable"})
    assert api(site, "GET", "/api/v1/accounts/verify_credentials", bob_token).status_code == 401
    assert not signs_in(site, "bob")
    assert api(site, "GET", f"/api/v1/statuses/{post['id']}", {}).status_code == 200
    shown = api(site, "GET", f"/api/v1/admin/accounts/{bob}", boss("admin:read")).json()
    assert shown["disabled"] is True and shown["suspended"] is False
    assert [a["id"] for a in api(site, "GET", "/api/v2/admin/accounts", boss("admin:read"),
                                 params={"status": "disabled"}).json()] == [bob]
    enabled = api(site, "POST", f"/api/v1/admin/accounts/{bob}/enable", boss("admin:write"))
    assert enabled.json()["disabled"] is False
    assert api(site, "GET", "/api/v1/accounts/verify_credentials", bob_token).status_code == 200
    assert signs_in(site, "bob")


def test_silence_and_sensitive_are_refused_not_faked(site: Site) -> None:
    boss = moderator(site)
    site.user("bob")
    bob = account_id(site, "bob")
    for kind in ("silence", "sensitive", "explode"):
        refused = api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
                      data={"type": kind})
        assert refused.status_code == 422 and "type" in refused.json()["error"], kind
    missing = api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"))
    assert missing.status_code == 422 and "type" in missing.json()["error"]
    for lift, field in (("unsilence", "silenced"), ("unsensitive", "sensitized")):
        answer = api(site, "POST", f"/api/v1/admin/accounts/{bob}/{lift}", boss("admin:write"))
        assert answer.status_code == 200 and answer.json()[field] is False
    assert api(site, "GET", "/api/v2/admin/accounts", boss("admin:read"),
               params={"status": "silenced"}).json() == []
    # Nothing changed, nothing logged but the (harmless) lifts.
    assert [a for a, *_ in audit(site)] == ["unsilence", "unsensitive"]


def test_an_action_resolves_reports(site: Site) -> None:
    boss = moderator(site)
    carol = issuer(site, "carol")("read write")
    dora = issuer(site, "dora")("read write")
    site.user("bob")
    bob = account_id(site, "bob")
    first = report(site, carol, account_id=bob, comment="rude")
    second = report(site, dora, account_id=bob, category="spam")
    api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
        data={"type": "none", "report_id": first, "text": "warned"})
    open_ids = [r["id"] for r in api(site, "GET", "/api/v1/admin/reports",
                                     boss("admin:read")).json()]
    assert open_ids == [second]  # `none` with a report closes that one only
    missing = api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
                  data={"type": "none", "report_id": "123"})
    assert missing.status_code == 404
    preset = api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
                 data={"type": "none", "warning_preset_id": "1"})
    assert preset.status_code == 404  # Salon has no warning presets
    api(site, "POST", f"/api/v1/admin/accounts/{bob}/action", boss("admin:write"),
        data={"type": "disable"})
    assert api(site, "GET", "/api/v1/admin/reports", boss("admin:read")).json() == []
    closed = api(site, "GET", f"/api/v1/admin/reports/{second}", boss("admin:read")).json()
    assert closed["action_taken"] is True
    assert closed["action_taken_by_account"]["username"] == "boss"


def test_reports_lifecycle_and_the_reported_private_post(site: Site) -> None:
    boss = moderator(site)
    bob = issuer(site, "bob")("read write follow")
    carol = issuer(site, "carol")("read write follow")
    bob_id = account_id(site, "bob")
    api(site, "POST", f"/api/v1/accounts/{bob_id}/follow", carol)
    secret = api(site, "POST", "/api/v1/statuses", bob, json={
        "status": "followers only insult", "visibility": "private"}).json()
    other = api(site, "POST", "/api/v1/statuses", bob, json={
        "status": "another private one", "visibility": "private"}).json()
    filed = report(site, carol, account_id=bob_id, status_ids=[secret["id"]], category="spam",
                   comment="mean")
    listed = api(site, "GET", "/api/v1/admin/reports", boss("admin:read")).json()
    assert [r["id"] for r in listed] == [filed]
    shown = listed[0]
    assert shown["category"] == "spam" and shown["comment"] == "mean"
    assert shown["account"]["username"] == "carol"
    assert shown["target_account"]["username"] == "bob"
    assert shown["action_taken"] is False and shown["assigned_account"] is None
    # The moderator reads the reported private post, and no other private post.
    assert [s["id"] for s in shown["statuses"]] == [secret["id"]]
    assert shown["statuses"][0]["visibility"] == "private"
    moderator_token = boss("read admin:read")
    for post in (secret, other):
        assert api(site, "GET", f"/api/v1/statuses/{post['id']}",
                   moderator_token).status_code == 404
    path = f"/api/v1/admin/reports/{filed}"
    write = boss("admin:write")
    assigned = api(site, "POST", f"{path}/assign_to_self", write).json()
    assert assigned["assigned_account"]["username"] == "boss"
    assert api(site, "POST", f"{path}/unassign", write).json()["assigned_account"] is None
    changed = api(site, "PUT", path, write, data={"category": "violation"})
    assert changed.status_code == 200 and changed.json()["category"] == "violation"
    bad = api(site, "PUT", path, write, data={"category": "rude"})
    assert bad.status_code == 422 and "category" in bad.json()["error"]
    no_rules = api(site, "PUT", path, write, data={"rule_ids[]": "1"})
    assert no_rules.status_code == 422 and "rule_ids" in no_rules.json()["error"]
    bad_ids = api(site, "PUT", path, write, data={"rule_ids[]": "x"})
    assert bad_ids.status_code == 422 and "rule_ids" in bad_ids.json()["error"]
    resolved = api(site, "POST", f"{path}/resolve", write).json()
    assert resolved["action_taken"] is True and resolved["action_taken_at"]
    assert resolved["action_taken_by_account"]["username"] == "boss"
    assert api(site, "GET", "/api/v1/admin/reports", boss("admin:read")).json() == []
    done = api(site, "GET", "/api/v1/admin/reports", boss("admin:read"),
               params={"resolved": "true"}).json()
    assert [r["id"] for r in done] == [filed]
    reopened = api(site, "POST", f"{path}/reopen", write).json()
    assert reopened["action_taken"] is False and reopened["action_taken_by_account"] is None
    by = api(site, "GET", "/api/v1/admin/reports", boss("admin:read"),
             params={"account_id": account_id(site, "carol")}).json()
    against = api(site, "GET", "/api/v1/admin/reports", boss("admin:read"),
                  params={"target_account_id": account_id(site, "carol")}).json()
    assert [r["id"] for r in by] == [filed] and against == []
    logged = [(a, t) for a, t, target, _ in audit(site) if target == int(filed)]
    assert logged == [("assign_to_self", "report"), ("unassign", "report"),
                      ("update", "report"), ("resolve", "report"), ("reopen", "report")]
    # Not for anyone else.
    assert api(site, "GET", path, issuer(site, "eve")("admin:read")).json() == NOT_ALLOWED


def test_unknown_ids_and_bad_input(site: Site) -> None:
    boss = moderator(site)
    read, write = boss("admin:read"), boss("admin:write")
    for path in ("/api/v1/admin/accounts/4040404", "/api/v1/admin/accounts/abc",
                 "/api/v1/admin/reports/4040404", "/api/v1/admin/reports/99999999999999999999"):
        answer = api(site, "GET", path, read)
        assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}
    for action in ("approve", "reject", "enable", "unsuspend", "action"):
        assert api(site, "POST", f"/api/v1/admin/accounts/4040404/{action}", write,
                   data={"type": "none"}).status_code == 404, action
    for action in ("assign_to_self", "unassign", "resolve", "reopen"):
        assert api(site, "POST", f"/api/v1/admin/reports/4040404/{action}", write
                   ).status_code == 404, action
    assert api(site, "PUT", "/api/v1/admin/reports/4040404", write).status_code == 404
    for name, value in (("status", "gone"), ("origin", "mars"), ("permissions", "root"),
                        ("ip", "not-an-ip"), ("limit", "many"), ("max_id", "x")):
        answer = api(site, "GET", "/api/v2/admin/accounts", read, params={name: value})
        assert answer.status_code == 422 and name in answer.json()["error"], name
    for name, value in (("resolved", "perhaps"), ("account_id", "x")):
        answer = api(site, "GET", "/api/v1/admin/reports", read, params={name: value})
        assert answer.status_code == 422 and name in answer.json()["error"], name
    site.user("bob")
    bob = account_id(site, "bob")
    erase = api(site, "DELETE", f"/api/v1/admin/accounts/{bob}", write)
    assert erase.status_code == 403 and "not allowed" in erase.json()["error"]
    assert api(site, "DELETE", "/api/v1/admin/accounts/4040404", write).status_code == 404


def test_filters_and_paging(site: Site) -> None:
    boss = moderator(site)
    read = boss("admin:read")
    names = [f"user{n}" for n in range(5)]
    for name in names:
        site.user(name)

    async def rename(session: AsyncSession) -> None:
        (await accounts.get_by_username(session, "user3")).display_name = "Third Person"

    site.call(rename)

    def usernames(**query: Any) -> list[str]:
        answer = api(site, "GET", "/api/v2/admin/accounts", read, params=query)
        assert answer.status_code == 200, answer.text
        return [a["username"] for a in answer.json()]

    # The assistant's account (made at start-up) is an account like the others here.
    assert usernames() == [*reversed(names), "boss", "muse"]
    assert usernames(permissions="staff") == ["boss"]
    assert usernames(**{"role_ids[]": "3"}) == ["boss"]
    assert usernames(**{"role_ids[]": "-99"}) == [*reversed(names), "muse"]
    assert usernames(username="USER1") == ["user1"]
    assert usernames(display_name="third") == ["user3"]
    assert usernames(origin="local", status="active") == [*reversed(names), "boss", "muse"]
    assert usernames(origin="remote") == [] and usernames(email="a@b.example") == []
    assert usernames(ip="10.0.0.1") == []
    # v1's booleans.
    v1 = api(site, "GET", "/api/v1/admin/accounts", read, params={"staff": "true"}).json()
    assert [a["username"] for a in v1] == ["boss"]
    assert api(site, "GET", "/api/v1/admin/accounts", read,
               params={"local": "true", "remote": "true"}).json() == []
    # Cursor paging with Link headers, both ways, never repeating.
    first = api(site, "GET", "/api/v2/admin/accounts", read, params={"limit": 2})
    assert [a["username"] for a in first.json()] == ["user4", "user3"]
    links = first.headers["link"]
    older = links.split(">")[0].lstrip("<").replace("http://testserver", "")
    second = api(site, "GET", older, read)
    assert [a["username"] for a in second.json()] == ["user2", "user1"]
    newer = [part for part in second.headers["link"].split(", ") if 'rel="prev"' in part][0]
    back = api(site, "GET", newer.split(">")[0].lstrip("<").replace("http://testserver", ""),
               read)
    assert [a["username"] for a in back.json()] == ["user4", "user3"]


def test_reports_paging(site: Site) -> None:
    boss = moderator(site)
    carol = issuer(site, "carol")("read write")
    site.user("bob")
    bob = account_id(site, "bob")
    filed = [report(site, carol, account_id=bob, comment=str(n)) for n in range(3)]
    first = api(site, "GET", "/api/v1/admin/reports", boss("admin:read"), params={"limit": 2})
    assert [r["id"] for r in first.json()] == filed[:0:-1]
    older = first.headers["link"].split(">")[0].lstrip("<").replace("http://testserver", "")
    assert [r["id"] for r in api(site, "GET", older, boss("admin:read")).json()] == filed[:1]


def test_each_report_shows_its_own_post(site: Site) -> None:
    """A reported repost whose original is hidden now (its author suspended) shows no post,
    and the next report still shows its own."""
    boss = moderator(site)
    bob = issuer(site, "bob")("read write")
    dora = issuer(site, "dora")("read write")
    carol = issuer(site, "carol")("read write")
    original = api(site, "POST", "/api/v1/statuses", dora, json={"status": "dora's"}).json()
    boost = api(site, "POST", f"/api/v1/statuses/{original['id']}/reblog", bob).json()
    plain = api(site, "POST", "/api/v1/statuses", bob, json={"status": "bob's own"}).json()
    of_boost = report(site, carol, account_id=account_id(site, "bob"), status_ids=[boost["id"]])
    of_plain = report(site, carol, account_id=account_id(site, "bob"), status_ids=[plain["id"]])
    api(site, "POST", f"/api/v1/admin/accounts/{account_id(site, 'dora')}/action",
        boss("admin:write"), data={"type": "suspend"})
    listed = {r["id"]: r for r in api(site, "GET", "/api/v1/admin/reports",
                                      boss("admin:read")).json()}
    assert listed[of_boost]["statuses"] == []
    assert [s["id"] for s in listed[of_plain]["statuses"]] == [plain["id"]]

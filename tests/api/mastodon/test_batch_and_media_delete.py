"""Several statuses or accounts at once (id[]), deleting an unposted upload, and the
instance's privacy policy."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.media.models import MediaAttachment
from salon.oauth import service as oauth
from salon.settings import Settings
from tests.api.mastodon.test_endpoints import _png, api, token_for
from tests.conftest import Site, stored


def _me(site: Site, headers: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", headers).json()["id"])


def _post(site: Site, headers: dict[str, str], text: str, visibility: str) -> str:
    return str(api(site, "POST", "/api/v1/statuses", headers,
                   data={"status": text, "visibility": visibility}).json()["id"])


def _ids(response: object) -> list[str]:
    return [s["id"] for s in response.json()]  # type: ignore[attr-defined]


def test_statuses_in_the_order_asked_and_only_those_visible(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")  # follows alice
    carol = token_for(site, "carol")  # follows nobody
    api(site, "POST", f"/api/v1/accounts/{_me(site, alice)}/follow", bob)
    public = _post(site, alice, "public", "public")
    unlisted = _post(site, alice, "unlisted", "unlisted")
    private = _post(site, alice, "followers", "private")
    direct = _post(site, alice, "just me", "direct")
    dave = token_for(site, "dave")
    daves = _post(site, dave, "dave's", "public")
    api(site, "POST", f"/api/v1/accounts/{_me(site, dave)}/block", bob)  # bob blocks dave
    asked = [daves, private, "123456789", unlisted, direct, public, public]
    query = {"id[]": asked}

    def seen(headers: dict[str, str]) -> list[str]:
        answer = api(site, "GET", "/api/v1/statuses", headers, params=query)
        assert answer.status_code == 200, answer.text
        return _ids(answer)

    # In the order asked, once each; the unknown id left out silently.
    assert seen(alice) == [daves, private, unlisted, direct, public]
    # A follower sees the followers-only post; the author bob blocks is left out.
    assert seen(bob) == [private, unlisted, public]
    # Not a follower: no private post; the direct post is for nobody but alice.
    assert seen(carol) == [daves, unlisted, public]
    # Anonymous: public and unlisted only.
    assert seen({}) == [daves, unlisted, public]
    # Blocked either way: dave does not see alice's posts once she blocks him.
    api(site, "POST", f"/api/v1/accounts/{_me(site, dave)}/block", alice)
    assert seen(dave) == [daves]
    # Rendered as a single status is: the viewer's flags, the full entity.
    api(site, "POST", f"/api/v1/statuses/{public}/favourite", carol)
    shown = api(site, "GET", "/api/v1/statuses", carol, params={"id[]": [public]}).json()[0]
    assert shown["favourited"] is True and shown["account"]["username"] == "alice"
    assert shown == api(site, "GET", f"/api/v1/statuses/{public}", carol).json()
    assert api(site, "GET", "/api/v1/statuses", carol).json() == []


def test_statuses_carry_the_viewers_filters_but_are_not_hidden(site: Site) -> None:
    alice = token_for(site, "alice")
    carol = token_for(site, "carol")
    post = _post(site, alice, "spoilers ahead", "public")
    api(site, "POST", "/api/v2/filters", carol, json={
        "title": "no spoilers", "context": ["home", "public", "thread"],
        "filter_action": "hide", "keywords_attributes": [{"keyword": "spoilers"}]})
    shown = api(site, "GET", "/api/v1/statuses", carol, params={"id[]": [post]}).json()
    assert [s["id"] for s in shown] == [post]
    assert shown[0]["filtered"][0]["filter"]["title"] == "no spoilers"


def test_bad_ids_are_422_naming_id(site: Site) -> None:
    alice = token_for(site, "alice")
    for path, most in (("/api/v1/statuses", 20), ("/api/v1/accounts", 40)):
        for value in (["abc"], ["1", "-2"], ["99999999999999999999"],
                      [str(n) for n in range(1, most + 2)]):
            refused = api(site, "GET", path, alice, params={"id[]": value})
            assert refused.status_code == 422, (path, value)
            assert "id" in refused.json()["error"]
        assert api(site, "GET", path, alice,
                   params={"id[]": [str(n) for n in range(1, most + 1)]}).status_code == 200


def test_accounts_in_order_without_the_suspended(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    carol = token_for(site, "carol")
    ids = [_me(site, carol), "424242", _me(site, alice), _me(site, bob), _me(site, carol)]

    def names(headers: dict[str, str]) -> list[str]:
        answer = api(site, "GET", "/api/v1/accounts", headers, params={"id[]": ids})
        assert answer.status_code == 200, answer.text
        return [a["username"] for a in answer.json()]

    assert names({}) == names(alice) == ["carol", "alice", "bob"]
    assert api(site, "GET", "/api/v1/accounts", {}, params={"id[]": [ids[2]]}).json()[0] == \
        api(site, "GET", f"/api/v1/accounts/{ids[2]}", {}).json()

    async def suspend(session: AsyncSession) -> None:
        await accounts.suspend(session, int(ids[3]))

    site.call(suspend)
    assert names({}) == ["carol", "alice"]


def _reader(site: Site, username: str) -> dict[str, str]:
    async def issue(session: AsyncSession) -> str:
        app = await oauth.create_app(session, "reader", "urn:ietf:wg:oauth:2.0:oob", "read")
        account = await accounts.get_by_username(session, username)
        return (await oauth.issue_for(session, app, account, ["read"])).access_token

    return {"Authorization": f"Bearer {site.call(issue)}"}


def _upload(site: Site, headers: dict[str, str]) -> str:
    return str(api(site, "POST", "/api/v2/media", headers,
                   files={"file": ("a.png", _png(), "image/png")}).json()["id"])


def _keys(site: Site, media_id: str) -> list[str]:
    async def read(session: AsyncSession) -> list[str]:
        row = await session.get(MediaAttachment, int(media_id))
        return [] if row is None else [k for k in (row.file_key, row.thumb_key) if k]

    return list(site.call(read))


def test_delete_an_unposted_upload_and_its_files(site: Site) -> None:
    alice = token_for(site, "alice")
    bob = token_for(site, "bob")
    store = site.app.state.store
    loose = _upload(site, alice)
    keys = _keys(site, loose)
    assert len(keys) == 2 and all(site.call(lambda s, k=k: stored(store, k)) for k in keys)
    # Another's upload, or none: 404, and it stays.
    assert api(site, "DELETE", f"/api/v1/media/{loose}", bob).status_code == 404
    assert api(site, "DELETE", "/api/v1/media/123456", alice).status_code == 404
    assert api(site, "DELETE", "/api/v1/media/abc", alice).status_code == 404
    assert api(site, "DELETE", f"/api/v1/media/{loose}", _reader(site, "alice")
               ).status_code == 403
    assert _keys(site, loose) == keys
    gone = api(site, "DELETE", f"/api/v1/media/{loose}", alice)
    assert (gone.status_code, gone.json()) == (200, {})
    assert api(site, "GET", f"/api/v1/media/{loose}", alice).status_code == 404
    assert api(site, "DELETE", f"/api/v1/media/{loose}", alice).status_code == 404
    site.run_jobs()
    assert not any(site.call(lambda s, k=k: stored(store, k)) for k in keys)


def test_media_in_use_is_not_deleted(site: Site) -> None:
    alice = token_for(site, "alice")
    store = site.app.state.store
    posted = _upload(site, alice)
    api(site, "POST", "/api/v1/statuses", alice, data={"status": "pic", "media_ids[]": posted})
    later = _upload(site, alice)
    when = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    scheduled = api(site, "POST", "/api/v1/statuses", alice,
                    data={"status": "later", "media_ids[]": later, "scheduled_at": when})
    assert "scheduled_at" in scheduled.json()
    site.run_jobs()  # with S3, a public post's files move under public/ first
    for media_id in (posted, later):
        keys = _keys(site, media_id)
        refused = api(site, "DELETE", f"/api/v1/media/{media_id}", alice)
        assert refused.status_code == 422
        assert refused.json()["error"] == "Media attachment is currently used by a status"
        site.run_jobs()
        assert keys and _keys(site, media_id) == keys
        assert all(site.call(lambda s, k=k: stored(store, k)) for k in keys)


def test_privacy_policy_default_and_set(settings: Settings) -> None:
    with Site(settings) as site:
        policy = site.anon.client.get("/api/v1/instance/privacy_policy")
        assert policy.status_code == 200
        body = policy.json()
        assert set(body) == {"updated_at", "content"}
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body["updated_at"])
        assert body["content"].startswith("<p>" + settings.instance_name)
        assert "sign-in sessions" in body["content"] and body["content"].count("<p>") >= 3
    changed = settings.model_copy(update={
        "privacy_policy": "We keep <nothing>.\nReally.\n\nAsk us."})
    with Site(changed) as site:
        assert site.anon.client.get("/api/v1/instance/privacy_policy").json()["content"] == (
            "<p>We keep &lt;nothing&gt;.<br>Really.</p><p>Ask us.</p>")

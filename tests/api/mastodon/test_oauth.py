"""OAuth 2 as Mastodon does it, through the real app: apps, the consent page, the
authorization code flow with PKCE, client credentials, refresh, revocation and scopes."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import Site, WebUser

REDIRECT = "https://client.example/callback"


def register(site: Site, scopes: str = "read write follow") -> dict[str, Any]:
    response = site.anon.client.post("/api/v1/apps", data={
        "client_name": "Test client", "redirect_uris": REDIRECT, "scopes": scopes,
        "website": "https://client.example",
    })
    assert response.status_code == 200, response.text
    return dict(response.json())


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(person: WebUser, app: dict[str, Any], scope: str, challenge: str | None = None,
              decision: str = "approve") -> Any:
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
             "scope": scope, "state": "xyz"}
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    page = person.get("/oauth/authorize", params=query)
    assert page.status_code == 200 and "Test client" in page.text, page.text[:300]
    return person.post("/oauth/authorize", {**query, "decision": decision})


def code_from(response: Any) -> str:
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def exchange(site: Site, app: dict[str, Any], **body: str) -> Any:
    return site.anon.client.post("/oauth/token", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], **body,
    })


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_register_an_app(site: Site) -> None:
    app = register(site)
    assert app["name"] == "Test client" and app["redirect_uris"] == [REDIRECT]
    assert app["scopes"] == ["read", "write", "follow"] and app["client_secret"]
    as_json = site.anon.client.post("/api/v1/apps", json={
        "client_name": "JSON client", "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob"],
    })
    assert as_json.status_code == 200 and as_json.json()["scopes"] == ["read"]
    bad = site.anon.client.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": "nope"})
    assert bad.status_code == 422 and "redirect_uris" in bad.json()["error"]
    bad = site.anon.client.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": REDIRECT,
                                                      "scopes": "read admin:everything"})
    assert bad.status_code == 422 and "Unknown scope" in bad.json()["error"]


def test_authorization_code_flow_with_pkce(site: Site) -> None:
    app = register(site)
    alice = site.user("alice")
    verifier, challenge = pkce()
    code = code_from(authorize(alice, app, "read write", challenge))

    wrong = exchange(site, app, grant_type="authorization_code", code=code,
                     redirect_uri=REDIRECT, code_verifier="not-the-verifier")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    good = exchange(site, app, grant_type="authorization_code", code=code,
                    redirect_uri=REDIRECT, code_verifier=verifier)
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert body["access_token"] and body["refresh_token"] and isinstance(body["created_at"], int)
    again = exchange(site, app, grant_type="authorization_code", code=code,
                     redirect_uri=REDIRECT, code_verifier=verifier)
    assert again.json()["error"] == "invalid_grant"  # a code is good once

    me = site.anon.client.get("/api/v1/apps/verify_credentials",
                              headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["name"] == "Test client"
    assert "client_secret" not in me.json()


def test_denied_consent_and_bad_requests(site: Site) -> None:
    app = register(site)
    alice = site.user("alice")
    denied = authorize(alice, app, "read", decision="deny")
    assert denied.status_code == 303
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    elsewhere = alice.get("/oauth/authorize", params={
        "client_id": app["client_id"], "redirect_uri": "https://evil.example/", "scope": "read"})
    assert elsewhere.status_code == 400 and "redirect_uri" in elsewhere.text
    too_much = alice.get("/oauth/authorize", params={
        "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "push"})
    assert too_much.status_code == 400 and "may only ask for" in too_much.text
    unknown = alice.get("/oauth/authorize", params={"client_id": "nobody", "scope": "read"})
    assert unknown.status_code == 401


def test_signing_in_first_comes_back_to_the_consent_page(site: Site) -> None:
    app = register(site)
    target = site.anon.get("/oauth/authorize", params={
        "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read"},
        follow_redirects=False)
    assert target.status_code == 303
    location = target.headers["location"]
    assert location.startswith("/login?next=")
    assert parse_qs(urlsplit(location).query)["next"][0].startswith(
        f"/oauth/authorize?client_id={app['client_id']}")


def test_client_credentials_refresh_and_revoke(site: Site) -> None:
    app = register(site)
    wrong = site.anon.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": "wrong"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    own = site.anon.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                headers={"Authorization": f"Basic {basic}"})
    assert own.status_code == 200 and "refresh_token" not in own.json()
    unsupported = exchange(site, app, grant_type="password", username="a", password="b")
    assert unsupported.json()["error"] == "unsupported_grant_type"

    alice = site.user("alice")
    verifier, challenge = pkce()
    code = code_from(authorize(alice, app, "read", challenge))
    first = exchange(site, app, grant_type="authorization_code", code=code,
                     redirect_uri=REDIRECT, code_verifier=verifier).json()
    second = exchange(site, app, grant_type="refresh_token",
                      refresh_token=first["refresh_token"]).json()
    assert second["access_token"] != first["access_token"]
    check = "/api/v1/apps/verify_credentials"
    assert site.anon.client.get(check, headers=bearer(first["access_token"])).status_code == 401
    assert site.anon.client.get(check, headers=bearer(second["access_token"])).status_code == 200
    reused = exchange(site, app, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.json()["error"] == "invalid_grant"

    revoked = site.anon.client.post("/oauth/revoke", data={
        "client_id": app["client_id"], "client_secret": app["client_secret"],
        "token": second["access_token"]})
    assert revoked.status_code == 200 and revoked.json() == {}
    gone = site.anon.client.get(check, headers=bearer(second["access_token"]))
    assert gone.status_code == 401 and gone.json() == {"error": "The access token is invalid"}


def test_scopes_are_enforced(site: Site) -> None:
    app = register(site)
    alice = site.user("alice")
    verifier, challenge = pkce()
    code = code_from(authorize(alice, app, "write", challenge))
    token = exchange(site, app, grant_type="authorization_code", code=code,
                     redirect_uri=REDIRECT, code_verifier=verifier).json()["access_token"]
    refused = site.anon.client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}
    assert site.anon.client.get("/api/v1/apps/verify_credentials").status_code == 401


def test_server_metadata(site: Site) -> None:
    meta = site.anon.client.get("/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"].endswith("/oauth/token")
    assert "S256" in meta["code_challenge_methods_supported"]
    assert "read:statuses" in meta["scopes_supported"]

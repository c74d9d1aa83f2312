"""OAuth for MCP clients, through the real app: dynamic registration (RFC 7591) and what it
refuses, public clients (no secret: PKCE required, no client_credentials), and tokens
bound to /mcp by RFC 8707's `resource` (kept through refresh, refused elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.oauth import service as oauth
from tests.api.mastodon.test_oauth import REDIRECT, bearer, code_from, pkce
from tests.conftest import People, Site, WebUser


def register(site: Site, **metadata: Any) -> Any:
    return site.anon.client.post("/oauth/register", json={
        "client_name": "Claude", "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"], **metadata})


def mcp(site: Site) -> str:
    return f"{site.settings.base_url.rstrip('/')}/mcp"


def consent(person: WebUser, client_id: str, challenge: str | None, **extra: str) -> Any:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
             "state": "xyz", **extra}
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    page = person.get("/oauth/authorize", params=query)
    if page.status_code != 200:
        return page
    return person.post("/oauth/authorize", {**query, "decision": "approve"})


def token(site: Site, **body: str) -> Any:
    return site.anon.client.post("/oauth/token", data=body)


def test_a_public_client_registers_and_gets_a_token_bound_to_mcp(site: Site) -> None:
    registered = register(site)
    assert registered.status_code == 201, registered.text
    client = registered.json()
    assert "client_secret" not in client and client["token_endpoint_auth_method"] == "none"
    assert client["scope"] == "read write follow" and client["redirect_uris"] == [REDIRECT]

    ada = site.user("ada")
    verifier, challenge = pkce()
    page = ada.get("/oauth/authorize", params={
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
        "code_challenge": challenge, "code_challenge_method": "S256", "resource": mcp(site)})
    assert "Claude" in page.text and "chat assistant" in page.text
    assert "write" in page.text  # no scope asked: what it registered
    code = code_from(consent(ada, client["client_id"], challenge, resource=mcp(site)))
    missing = token(site, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                    client_id=client["client_id"])
    assert missing.json()["error"] == "invalid_grant"  # no verifier
    code = code_from(consent(ada, client["client_id"], challenge, resource=mcp(site)))
    elsewhere = token(site, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                      client_id=client["client_id"], code_verifier=verifier,
                      resource="https://other.example/mcp")
    assert elsewhere.json()["error"] == "invalid_target"
    code = code_from(consent(ada, client["client_id"], challenge, resource=mcp(site)))
    issued = token(site, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                   client_id=client["client_id"], code_verifier=verifier, resource=mcp(site))
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["scope"] == "read write follow"
    # Bound to /mcp: the Mastodon API does not take it, nor its refreshed successor.
    api = site.anon.client.get("/api/v1/accounts/verify_credentials",
                               headers=bearer(body["access_token"]))
    assert api.status_code == 401
    renewed = token(site, grant_type="refresh_token", refresh_token=body["refresh_token"],
                    client_id=client["client_id"])
    assert renewed.status_code == 200, renewed.text
    api = site.anon.client.get("/api/v1/accounts/verify_credentials",
                               headers=bearer(renewed.json()["access_token"]))
    assert api.status_code == 401


def test_a_public_client_must_use_pkce_and_has_no_client_credentials(site: Site) -> None:
    client = register(site).json()
    refused = consent(site.user("bo"), client["client_id"], None)
    assert refused.status_code == 400 and "code_challenge is required" in refused.text
    made = token(site, grant_type="client_credentials", client_id=client["client_id"])
    assert made.status_code == 400 and made.json()["error"] == "unauthorized_client"


def test_a_resource_needs_pkce_even_from_a_confidential_client(site: Site) -> None:
    client = register(site, token_endpoint_auth_method="client_secret_post").json()
    assert client["client_secret"]
    refused = consent(site.user("cy"), client["client_id"], None, resource=mcp(site))
    assert refused.status_code == 400 and "code_challenge is required" in refused.text
    unknown = consent(site.user("di"), client["client_id"], pkce()[1],
                      resource="https://other.example/mcp")
    assert unknown.status_code == 400 and "resource must be" in unknown.text


@pytest.mark.parametrize(("metadata", "error", "says"), [
    ({"redirect_uris": []}, "invalid_redirect_uri", "redirect_uris"),
    ({"redirect_uris": "https://a.example/cb"}, "invalid_redirect_uri", "list"),
    ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri", "javascript"),
    ({"redirect_uris": ["https://a.example/cb#frag"]}, "invalid_redirect_uri", "fragment"),
    ({"token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata",
     "token_endpoint_auth_method"),
    ({"grant_types": ["password"]}, "invalid_client_metadata", "grant_types"),
    ({"response_types": ["token"]}, "invalid_client_metadata", "response_types"),
    ({"scope": "read admin:everything"}, "invalid_client_metadata", "Unknown scope"),
    ({"client_name": 7}, "invalid_client_metadata", "client_name"),
    ({"client_name": "x" * 201}, "invalid_client_metadata", "client_name"),
])
def test_registration_refuses_bad_metadata_naming_it(site: Site, metadata: dict[str, Any],
                                                     error: str, says: str) -> None:
    refused = register(site, **metadata)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == error and says in refused.json()["error_description"]


async def test_disconnecting_ends_tokens_refresh_tokens_and_codes_not_yet_used(
        session: AsyncSession, people: People) -> None:
    ada = await people.make("ada")
    app = await oauth.create_app(session, "Claude", [REDIRECT], "read write", public=True)
    verifier, challenge = pkce()
    token = await oauth.issue_for(session, app, ada, ["read"])
    code = await oauth.grant_code(session, app, ada, REDIRECT, ["read"], challenge, "S256",
                                  "http://127.0.0.1:8000/mcp")
    assert [c.app.name for c in await oauth.connections(session, ada.id)] == ["Claude"]
    assert await oauth.disconnect(session, ada.id, app.id) == 1
    assert await oauth.connections(session, ada.id) == []
    assert await oauth.resolve(session, token.access_token) is None
    with pytest.raises(oauth.OAuthError, match="unknown, already used"):
        await oauth.exchange_code(session, app, code, REDIRECT, verifier)
    with pytest.raises(oauth.OAuthError, match="unknown or revoked"):
        await oauth.refresh(session, app, token.refresh_token or "")

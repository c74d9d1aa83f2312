"""Every input of app registration and the OAuth endpoints, given what a careless or
hostile client sends (the wrong JSON type, NUL, a lone surrogate, huge values, non-ASCII
secrets, script URIs): a 4xx naming the field, never a 500 and never a script link."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.mastodon.test_oauth import REDIRECT, authorize, code_from, pkce, register
from tests.conftest import Site

LONE_SURROGATE = "\ud800"  # valid in JSON text, but no UTF-8 encodes it
NOT_TEXT: list[Any] = [5, 1.5, True, [], ["read"], {"a": "b"}]
BAD_TEXT: list[Any] = [*NOT_TEXT, "a\x00b", LONE_SURROGATE, "x" * 20_000]


def post_json(site: Site, path: str, body: dict[str, Any]) -> Any:
    """As ASCII JSON text (escapes): the only way a lone surrogate can travel."""
    return site.anon.client.post(path, content=json.dumps(body),
                                 headers={"Content-Type": "application/json"})


def _app_body(**changes: Any) -> dict[str, Any]:
    return {"client_name": "Client", "redirect_uris": REDIRECT, "scopes": "read",
            "website": "https://client.example", **changes}


APP_CASES: list[tuple[str, Any]] = [
    *[("client_name", v) for v in [*BAD_TEXT, "", "x" * 201]],
    *[("redirect_uris", v) for v in [
        5, True, {"a": "b"}, [5], [["x"]], [REDIRECT, {}], "a\x00b", LONE_SURROGATE,
        "x" * 20_000, "", "nope", "javascript:alert(1)", "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
        "https://client.example/cb#fragment", "com.example.app:/cb#x", "https://", "http:/x",
        [REDIRECT, "javascript:alert(1)"], "java\tscript:alert(1)", "https://a.example/\x01",
        "1x:/cb",
    ]],
    *[("scopes", v) for v in [5, True, {"read": 1}, [5], [{}], "read\x00", LONE_SURROGATE,
                              "x" * 20_000, "read admin:all"]],
    *[("website", v) for v in [
        5, True, [], {"a": "b"}, "a\x00b", LONE_SURROGATE, "javascript:alert(1)",
        " javascript:alert(1)", "data:text/html,hi", "ftp://client.example", "https://",
        "client.example", "https://client.example/" + "x" * 600,
    ]],
]


@pytest.mark.parametrize(("field", "value"), APP_CASES)
def test_app_registration_refuses_bad_values(site: Site, field: str, value: Any) -> None:
    answer = post_json(site, "/api/v1/apps", _app_body(**{field: value}))
    assert answer.status_code == 422, answer.text
    # "scopes" errors speak of a scope: the field's own word.
    assert field.rstrip("s") in answer.json()["error"], answer.text


@pytest.mark.parametrize("uris", [
    "urn:ietf:wg:oauth:2.0:oob", [REDIRECT, "http://localhost:8080/callback"],
    f"{REDIRECT}\ncom.example.app:/oauth", "myapp://oauth/callback",
])
def test_app_registration_takes_what_mastodon_takes(site: Site, uris: Any) -> None:
    answer = post_json(site, "/api/v1/apps", _app_body(redirect_uris=uris))
    assert answer.status_code == 200, answer.text
    form = site.anon.client.post("/api/v1/apps", data=_app_body(redirect_uris=uris, website=""))
    assert form.status_code == 200 and form.json()["website"] is None, form.text


def test_consent_page_links_only_web_sites(site: Site) -> None:
    app = register(site)
    alice = site.user("alice")

    def consent() -> str:
        return str(alice.get("/oauth/authorize", params={
            "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read"}).text)

    assert '<a href="https://client.example"' in consent()
    # A website stored before today's rules is shown as text, not as a link.
    site.call(_set_website, app["client_id"], "javascript:alert(1)")
    page = consent()
    assert "javascript:alert(1)" in page and 'href="javascript' not in page


async def _set_website(session: Any, client_id: str, website: str) -> None:
    from sqlalchemy import update

    from salon.oauth.models import OAuthApp

    await session.execute(update(OAuthApp).where(OAuthApp.client_id == client_id)
                          .values(website=website))


def _authorize_query(app: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
            "scope": "read", "state": "xyz", **changes}


@pytest.mark.parametrize("method", ["plain", "", "s256", "S512", None])
def test_pkce_is_s256_only(site: Site, method: str | None) -> None:
    app = register(site)
    alice = site.user("alice")
    _, challenge = pkce()
    query = _authorize_query(app, code_challenge=challenge)
    if method is not None:
        query["code_challenge_method"] = method
    page = alice.get("/oauth/authorize", params=query)
    assert page.status_code == 400 and "code_challenge_method must be S256" in page.text
    posted = alice.post("/oauth/authorize", {**query, "decision": "approve"})
    assert posted.status_code == 400 and "location" not in posted.headers
    as_program = alice.get("/oauth/authorize", params=query,
                           headers={"Accept": "application/json"})
    assert as_program.status_code == 400
    assert as_program.json()["error"] == "invalid_request"
    assert "code_challenge_method" in as_program.json()["error_description"]


AUTHORIZE_CASES: list[tuple[str, str]] = [
    (field, value)
    for field in ("client_id", "redirect_uri", "scope", "state", "code_challenge",
                  "response_type")
    for value in ("a\x00b", "x" * 20_000)
] + [("code_challenge", "short"), ("code_challenge", "é" * 43)]


@pytest.mark.parametrize(("field", "value"), AUTHORIZE_CASES)
def test_authorize_refuses_bad_values(site: Site, field: str, value: str) -> None:
    app = register(site)
    alice = site.user("alice")
    query = _authorize_query(app, code_challenge=pkce()[1], code_challenge_method="S256")
    query[field] = value
    answer = alice.get("/oauth/authorize", params=query, headers={"Accept": "application/json"})
    assert 400 <= answer.status_code < 500, answer.text
    assert field in answer.json()["error_description"] or answer.json()["error"] in (
        "invalid_client", "unsupported_response_type"), answer.text
    as_list = {k: v for k, v in query.items() if k != field} | {f"{field}[]": "x"}
    listed = alice.get("/oauth/authorize", params=as_list, headers={"Accept": "application/json"})
    assert 400 <= listed.status_code < 500, listed.text


TOKEN_FIELDS = ("client_id", "client_secret", "grant_type", "code", "redirect_uri",
                "code_verifier", "refresh_token", "scope", "username", "password")


@pytest.mark.parametrize("value", BAD_TEXT)
@pytest.mark.parametrize("field", TOKEN_FIELDS)
def test_token_refuses_bad_values(site: Site, field: str, value: Any) -> None:
    app = register(site)
    body = {"client_id": app["client_id"], "client_secret": app["client_secret"],
            "grant_type": "authorization_code", "code": "abc", "redirect_uri": REDIRECT,
            "code_verifier": "v" * 43, "refresh_token": "r", "scope": "read",
            "username": "u", "password": "p", field: value}
    answer = post_json(site, "/oauth/token", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request", answer.text
    assert field in answer.json()["error_description"]


@pytest.mark.parametrize("secret", ["sécret", "秘密", "١٢٣", "x" * 1000])
def test_non_ascii_secrets_are_wrong_secrets(site: Site, secret: str) -> None:
    app = register(site)
    for path, extra in (("/oauth/token", {"grant_type": "client_credentials"}),
                        ("/oauth/revoke", {"token": "t"})):
        body = {"client_id": app["client_id"], "client_secret": secret, **extra}
        for answer in (site.anon.client.post(path, data=body), post_json(site, path, body)):
            assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
        basic = site.anon.client.post(path, data=extra, auth=(app["client_id"], secret))
        assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    nul = site.anon.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(app["client_id"] + "\x00", app["client_secret"]))
    assert nul.status_code == 401


@pytest.mark.parametrize("value", BAD_TEXT)
@pytest.mark.parametrize("field", ["client_id", "client_secret", "token"])
def test_revoke_refuses_bad_values(site: Site, field: str, value: Any) -> None:
    app = register(site)
    body = {"client_id": app["client_id"], "client_secret": app["client_secret"],
            "token": "t", field: value}
    answer = post_json(site, "/oauth/revoke", body)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    assert field in answer.json()["error_description"]


def test_a_plain_code_verifier_and_odd_tokens_fail_cleanly(site: Site) -> None:
    app = register(site)
    alice = site.user("alice")
    verifier, challenge = pkce()
    code = code_from(authorize(alice, app, "read", challenge))
    base = {"client_id": app["client_id"], "client_secret": app["client_secret"],
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    for wrong in (challenge, "é" * 50):  # the challenge itself is no verifier
        answer = site.anon.client.post("/oauth/token", data={**base, "code_verifier": wrong})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    good = site.anon.client.post("/oauth/token", data={**base, "code_verifier": verifier})
    assert good.status_code == 200, good.text
    for bearer in ("a\x00b", "é", "x" * 20_000, ""):
        answer = site.anon.client.get("/api/v1/apps/verify_credentials",
                                      headers={b"Authorization": f"Bearer {bearer}".encode()})
        assert answer.status_code == 401, answer.text


def test_a_file_is_no_text(site: Site) -> None:
    """A multipart field may be a file upload: refused like any other wrong type."""
    app = register(site)
    registered = site.anon.client.post("/api/v1/apps", data={"redirect_uris": REDIRECT},
                                       files={"client_name": ("n.txt", b"name")})
    assert registered.status_code == 422 and "client_name" in registered.json()["error"]
    token = site.anon.client.post("/oauth/token", data={
        "client_id": app["client_id"], "grant_type": "client_credentials"},
        files={"client_secret": ("s.txt", app["client_secret"].encode())})
    assert token.status_code == 400 and "client_secret" in token.json()["error_description"]

"""Apps served from their own origin (Phanpy, Elk) call the API from the browser: CORS as
Mastodon answers it on the API, OAuth's token endpoints, discovery and media, never on the
pages for people; and the consent page lets its form lead back to the app."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from salon.web.security import csp
from tests.api.mastodon.test_endpoints import token_for
from tests.api.mastodon.test_oauth import REDIRECT, register
from tests.conftest import Site

ORIGIN = {"Origin": "https://phanpy.example"}


@pytest.mark.parametrize("path", ["/api/v1/apps", "/api/v1/statuses", "/oauth/token",
                                  "/oauth/revoke", "/api/v1/timelines/home"])
def test_preflights_are_answered(site: Site, path: str) -> None:
    answer = site.anon.client.options(path, headers={
        **ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,idempotency-key"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert answer.headers["access-control-allow-headers"] == \
        "authorization,content-type,idempotency-key"


def test_answers_carry_the_origin_header(site: Site) -> None:
    client = site.anon.client
    registered = client.post("/api/v1/apps", headers=ORIGIN, data={
        "client_name": "Phanpy", "redirect_uris": "https://phanpy.example/"})
    assert registered.status_code == 200
    assert registered.headers["access-control-allow-origin"] == "*"
    for path in ["/api/v1/instance", "/.well-known/nodeinfo", "/api/v1/timelines/public",
                 "/api/v1/statuses/1", "/static/avatar.svg"]:  # errors too: a 404 the app can read
        answer = client.get(path, headers=ORIGIN)
        assert answer.headers["access-control-allow-origin"] == "*", path
        assert "Link" in answer.headers["access-control-expose-headers"]
    refused = client.get("/api/v1/timelines/home", headers=ORIGIN)
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == "*"


def test_pages_for_people_stay_same_origin(site: Site) -> None:
    for path in ["/login", "/public", "/oauth/authorize"]:
        answer = site.anon.client.get(path, headers=ORIGIN, follow_redirects=False)
        assert "access-control-allow-origin" not in answer.headers, path
    preflight = site.anon.client.options("/login", headers={
        **ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_the_consent_form_may_lead_back_to_the_app(site: Site) -> None:
    app = register(site)
    alice = site.user("alice")
    page = alice.get("/oauth/authorize", params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
        "scope": "read"})
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "form-action 'self' https://client.example;" in policy
    assert "form-action 'self';" in alice.get("/home").headers["content-security-policy"]


@pytest.mark.parametrize(("target", "source"), [
    ("https://app.example:8443/cb?x=1", "https://app.example:8443"),
    ("http://127.0.0.1:5173/", "http://127.0.0.1:5173"),
    ("com.example.app:/oauth", "com.example.app:"),
    ("https://evil.example;script-src *", ""),  # nothing that splits the policy
    ("", ""),
])
def test_the_form_target_is_written_safely(target: str, source: str) -> None:
    policy = csp(form_target=target)
    assert f"form-action 'self'{' ' + source if source else ''};" in policy
    assert policy.count(";") == csp().count(";")


def test_the_default_pictures_an_account_names_exist(site: Site) -> None:
    """Apps load an account's avatar and header as given: the defaults must be there."""
    me = site.anon.client.get("/api/v1/accounts/verify_credentials",
                              headers=token_for(site, "alice")).json()
    for key in ("avatar", "avatar_static", "header", "header_static"):
        answer = site.anon.client.get(urlsplit(me[key]).path, headers=ORIGIN)
        assert answer.status_code == 200, (key, me[key])
        assert answer.headers["content-type"].startswith("image/")
        assert answer.headers["access-control-allow-origin"] == "*"

"""Every API input goes through one typed layer (deps.Params): bad values are 4xx, never
5xx, and a 422 names the field. Text refuses NUL, control characters and bidi overrides in
the API and the web forms alike. Runs on SQLite, and on PostgreSQL with SALON_TEST_POSTGRES
(where NUL in text was a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.routing import APIRoute

from salon.api.mastodon.deps import route_scope
from tests.conftest import Site
from tests.security.test_scopes import api_routes
from tests.security.tokens import PATH_VALUES, issuer

# Every parameter name the API's routes read (unknown ones are ignored by the others).
FIELDS = ("status", "spoiler_text", "visibility", "media_ids", "in_reply_to_id",
          "quoted_status_id", "quote_id", "poll", "limit", "max_id", "since_id", "min_id",
          "q", "type", "offset", "id", "acct", "agreement", "username", "password",
          "display_name", "note", "avatar", "header", "exclude_replies", "only_media",
          "exclude_reblogs", "pinned", "tagged", "reblogs", "notify", "remote", "choices",
          "status_ids", "account_id", "category", "comment", "description", "focus", "file",
          "types", "exclude_types", "timeline", "home", "notifications", "prompt", "count",
          "seed", "aspect", "strength", "remix_of", "source_media_id", "tag", "stream",
          "subscription", "data", "policy", "kind")
BAD: tuple[Any, ...] = ("²", "99999999999999999999999", ["a", "b"], {"x": 1}, 1e999, None,
                        "-", "\x00")
BIG = "99999999999999999999999"
# Generation requests name their fields in words ("The number of images must be ...").
GENERATION_WORDS = ("options", "number of images", "source image", "post to remix")


def _query(name: str, value: Any) -> list[tuple[str, str | int | float | bool | None]]:
    if isinstance(value, list):
        return [(f"{name}[]", str(v)) for v in value]
    if isinstance(value, dict):
        return [(f"{name}[{k}]", str(v)) for k, v in value.items()]
    return [(name, "" if value is None else str(value))]


def _check(answer: Any, sent: set[str]) -> None:
    assert answer.status_code < 500, answer.text
    if answer.status_code == 422 and answer.headers["content-type"].startswith("application/json"):
        error = answer.json()["error"]
        if " must " not in error:  # a service's own rule ("You cannot follow yourself.")
            return
        # The field sent, or one the route needs and was not sent (agreement, options).
        assert any(name in error.lower() for name in (*sent, *FIELDS, *GENERATION_WORDS)), error


@pytest.fixture
def everyone(site: Site) -> dict[str, str]:
    alice = issuer(site, "alice")("read write follow push")
    status = site.anon.client.post("/api/v1/statuses", headers=alice, json={
        "status": "a poll #sea", "poll": {"options": ["a", "b"]}}).json()
    listed = site.anon.client.post("/api/v1/lists", headers=alice, json={"title": "l"}).json()
    feed = site.anon.client.post("/api/v1/salon/feeds", headers=alice,
                                 json={"sentence": "the sea"}).json()
    return {**PATH_VALUES, "post_id": status["id"], "status_id": status["id"],
            "poll_id": status["poll"]["id"], "account_id": status["account"]["id"],
            "list_id": listed["id"], "feed_id": feed["id"], **alice}


# One test per bad value (tens of thousands of requests in all), so that the suite's
# workers share them.
@pytest.mark.parametrize("value", BAD, ids=[repr(v) for v in BAD])
def test_every_route_answers_bad_values_with_4xx(site: Site, everyone: dict[str, str],
                                                 value: Any) -> None:
    headers = {"Authorization": everyone["Authorization"]}
    client = site.anon.client
    for route in api_routes(site):
        if not isinstance(route, APIRoute) or route.path.startswith("/api/v1/streaming/"):
            continue  # endless streams: their `tag` and `stream` are tested in test_streaming
        if route.path.startswith(("/oauth", "/api/v1/apps")) and route_scope(route) is None:
            continue  # OAuth's own input is its module's (tests/api/mastodon/test_oauth.py)
        path = route.path.format(**everyone)
        for method in route.methods or ():
            # All fields at once (the first one checked answers), then one by one.
            for names in [FIELDS, *([(n,) for n in FIELDS] if value in BAD[:3] else [])]:
                query = [q for n in names for q in _query(n, value)]
                if method == "GET":
                    _check(client.request(method, path, headers=headers, params=query),
                           set(names))
                    continue
                # json.dumps writes 1e999 as Infinity, which json.loads reads back.
                body = json.dumps({n: value for n in names})
                _check(client.request(method, path, content=body, headers={
                    **headers, "content-type": "application/json"}), set(names))
                form = {k: str(v) for k, v in query}
                _check(client.request(method, path, headers=headers, data=form), set(names))


@pytest.mark.parametrize(("method", "path", "kw", "status", "field"), [
    ("GET", "/api/v1/accounts/%C2%B2", {}, 404, None),
    ("GET", "/api/v1/accounts/" + BIG, {}, 404, None),
    ("GET", "/api/v1/statuses/" + BIG, {}, 404, None),
    ("GET", "/api/v1/accounts/relationships", {"params": {"id": "²"}}, 422, "id"),
    ("GET", "/api/v1/accounts/relationships", {"params": {"id": BIG}}, 422, "id"),
    ("GET", "/api/v1/accounts/relationships", {"params": {"id[]": ["1", "²"]}}, 422, "id"),
    ("GET", "/api/v1/timelines/public", {"params": {"max_id": "²"}}, 422, "max_id"),
    ("POST", "/api/v1/statuses", {"data": {"status": "x", "media_ids[]": "²"}}, 422,
     "media_ids"),
    ("POST", "/api/v1/statuses", {"json": {"status": "x", "in_reply_to_id": BIG}}, 422,
     "in_reply_to_id"),
    ("POST", "/api/v1/statuses", {"json": {"status": "x", "poll": {"options": "ab"}}}, 422,
     "poll[options]"),
    ("POST", "/api/v1/statuses", {"json": {"status": "x", "poll": {
        "options": ["a", "b"], "expires_in": [1]}}}, 422, "poll[expires_in]"),
    ("POST", "/api/v1/statuses", {"content": b'{"status": "x", "poll": {"options": ["a", "b"],'
                                             b' "expires_in": 1e999}}',
                                  "headers": {"content-type": "application/json"}}, 422,
     "poll[expires_in]"),
    ("POST", "/api/v1/statuses", {"json": {"status": ["x"]}}, 422, "status"),
    ("POST", "/api/v1/polls/{poll_id}/votes", {"data": {"choices[]": "²"}}, 422, "choices"),
    ("PUT", "/api/v1/statuses/{post_id}", {"json": {"status": "y", "spoiler_text": 5}}, 422,
     "spoiler_text"),
    ("GET", "/api/v1/trends/statuses", {"params": {"offset": "²"}}, 422, "offset"),
    ("PATCH", "/api/v1/accounts/update_credentials", {"json": {"display_name": {"a": 1}}},
     422, "display_name"),
    # One name sent plain and as a list: the list is what the route reads.
    ("GET", "/api/v1/accounts/relationships", {"params": [("id", "1"), ("id[]", "²")]}, 422,
     "id"),
    ("GET", "/api/v1/notifications", {"params": [("types[]", "mention"), ("types", "x")]},
     200, None),
    ("POST", "/api/v1/statuses", {"content": b"[" * 100_000,
                                  "headers": {"content-type": "application/json"}}, 400, None),
    # Found by the fuzz once parameters were described: a query longer than the server
    # reads in a request line was a text/plain 400 from uvicorn, not a 422 naming q; a body
    # that is not JSON at /oauth/token was an HTML page.
    ("GET", "/api/v2/search", {"params": {"q": "a" * 1001}}, 422, "q"),
    ("POST", "/api/v1/statuses", {"json": {"status": "x", "visibility": "everyone"}}, 422,
     "visibility"),
    ("GET", "/api/v1/accounts/search", {"params": {"q": "a" * 1001}}, 422, "q"),
    ("POST", "/oauth/token", {"content": b"{\x16K", "headers": {
        "content-type": "application/json"}}, 400, None),
    ("POST", "/oauth/revoke", {"content": b"{", "headers": {
        "content-type": "application/json"}}, 400, None),
])
def test_the_reviews_cases(site: Site, everyone: dict[str, str], method: str, path: str,
                           kw: dict[str, Any], status: int, field: str | None) -> None:
    headers = {"Authorization": everyone["Authorization"], **kw.pop("headers", {})}
    answer = site.anon.client.request(method, path.format(**everyone), headers=headers, **kw)
    assert answer.status_code == status, answer.text
    if status >= 400:  # in the body the description promises, whatever the route
        assert "error" in answer.json(), answer.text
    if field:
        assert answer.json()["error"].startswith(field + " "), answer.text


CONTROLS = ["\x00", "\x07", "\u202e", "\u2066", "\x1b[31m"]


@pytest.mark.parametrize("bad", CONTROLS)
def test_control_characters_are_refused_in_the_api(site: Site, everyone: dict[str, str],
                                                   bad: str) -> None:
    headers = {"Authorization": everyone["Authorization"]}
    client = site.anon.client
    cases = [("PATCH", "/api/v1/accounts/update_credentials", {"display_name": f"a{bad}"},
              "display_name"),
             ("PATCH", "/api/v1/accounts/update_credentials", {"note": f"a{bad}"}, "note"),
             ("POST", "/api/v1/statuses", {"status": f"hi{bad}"}, "status"),
             ("POST", "/api/v1/statuses", {"status": "hi", "spoiler_text": bad},
              "spoiler_text"),
             ("POST", "/api/v1/statuses", {"status": "hi", "poll": {"options": [bad, "b"]}},
              "poll[options]"),
             ("PUT", f"/api/v1/statuses/{everyone['post_id']}", {"status": bad}, "status"),
             ("POST", "/api/v1/reports", {"account_id": everyone["account_id"],
                                          "comment": bad}, "comment"),
             ("POST", "/api/v1/salon/generations", {"prompt": f"a fox{bad}"}, "prompt")]
    for method, path, body, field in cases:
        answer = client.request(method, path, headers=headers, json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.json()["error"].startswith(field + " "), answer.text
    # Line breaks and tabs stay allowed where text has lines.
    fine = client.post("/api/v1/statuses", headers=headers, json={"status": "a\n\tb\r\nc"})
    assert fine.status_code == 200, fine.text
    named = client.patch("/api/v1/accounts/update_credentials", headers=headers,
                         json={"display_name": "Ann\u200f", "note": "one\ntwo"})
    assert named.status_code == 200 and named.json()["display_name"] == "Ann\u200f"


@pytest.mark.parametrize("bad", ["\x00", "\u202e"])
def test_control_characters_are_refused_in_web_forms(site: Site, bad: str) -> None:
    ann = site.user("ann")
    cases = [("/settings/profile", {"display_name": f"Ann{bad}", "bio": ""}, "display_name"),
             ("/settings/profile", {"display_name": "Ann", "bio": f"x{bad}"}, "bio"),
             ("/posts", {"text": f"hello{bad}", "visibility": "public"}, "text"),
             ("/posts", {"text": "hi", "poll_0": f"a{bad}", "poll_1": "b"}, "poll_0")]
    for path, form, field in cases:
        answer = ann.post(path, form)
        assert answer.status_code == 422, (path, form, answer.status_code)
        assert f"{field} must not contain" in answer.text
    assert ann.post("/posts", {"text": "line one\r\nline two"}).status_code == 303

"""What /openapi.json says the API answers, besides each route's own success: the errors
every request can meet (a bad token, a missing scope, a body too large or too slow, bad
input, a rate limit, storage down), in the body they really come in, and the content types
of the answers that are not JSON. Clients and fuzzers (tests/security/test_schemathesis.py)
hold the server to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from salon.api.mastodon.deps import anonymous_allowed, route_scope
from salon.api.mastodon.input_docs import Inputs, describe_inputs
from salon.oauth.scopes import KNOWN

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
OAUTH_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}
# Any request can meet these, whatever its route: the middleware (body limits, admission),
# the token check, the typed input layer and the storage-error handler answer them.
EVERY = {
    "400": "The request cannot be read (a body that is not JSON, a bad form).",
    "401": "The access token is missing or invalid.",
    "403": "The token lacks the scope this needs, or the account may not do this.",
    "404": "Nothing here, or nothing this viewer may see.",
    "408": "The request body did not arrive in time.",
    "409": "The change conflicts with the current state.",
    "413": "The request body is larger than this route accepts.",
    "422": "A field has a bad value; the message names it.",
    "429": "Too many requests; try again after Retry-After seconds.",
    "503": "Storage is unreachable right now; try again after Retry-After seconds.",
}
# Answers in another content type than JSON, by (method, path).
CONTENT: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("get", "/api/v1/streaming/health"): {"200": ("text/plain",)},
    ("get", "/oauth/authorize"): {"200": ("text/html",)},
    ("get", "/oauth/authorize/"): {"200": ("text/html",)},
    ("get", "/.well-known/webfinger"): {"200": ("application/jrd+json",)},
    ("get", "/.well-known/host-meta"): {"200": ("application/xrd+xml", "application/jrd+json")},
}
REDIRECTS = {("get", "/oauth/authorize"), ("get", "/oauth/authorize/"),
             ("post", "/oauth/authorize")}
OAUTH_JSON = ("/oauth/token", "/oauth/revoke", "/oauth/authorize", "/oauth/authorize/")


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _describe(method: str, path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    error = OAUTH_ERROR if path in OAUTH_JSON else ERROR
    for status, description in EVERY.items():
        responses[status] = _json(description, error)  # FastAPI's own 422 is not ours
    if path.startswith("/api/v1/timelines/home"):
        responses.setdefault("206", _json("The timeline is being rebuilt: a partial page.",
                                          {"type": "array", "items": {"type": "object"}}))
    if path.startswith("/api/v1/streaming/") and not path.endswith("/health"):
        responses["200"] = {"description": "Server-sent events.",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}}}
    for status, kinds in CONTENT.get((method, path), {}).items():
        entry = responses.setdefault(status, {"description": "A page for a person."})
        entry["content"] = {kind: {"schema": {"type": "object" if kind.endswith("json")
                                               else "string"}} for kind in kinds}
    if (method, path) in REDIRECTS:
        # The consent page: a person's browser gets pages, a program asking for JSON gets
        # OAuth's error body.
        for status in EVERY:
            responses[status]["content"]["text/html"] = {"schema": {"type": "string"}}
        responses["303"] = {"description": "Back to the app's redirect URI with the code."}
        responses["302"] = {"description": "To the sign-in page first."}


def _security(routes: list[APIRoute]) -> dict[tuple[str, str], list[dict[str, list[str]]]]:
    """Each operation's scope as OpenAPI security: the scope a token must carry, and `{}`
    beside it where anonymous requests read too (a token, once sent, still needs it)."""
    found: dict[tuple[str, str], list[dict[str, list[str]]]] = {}
    for route in routes:
        scope = route_scope(route)
        needs = [{"oauth2": [scope]}] if scope else []
        if anonymous_allowed(route):
            needs.append({})
        for method in route.methods or ():
            found[(method.lower(), route.path)] = needs
    return found


def _inputs(method: str, operation: dict[str, Any], inputs: Inputs) -> None:
    """The query parameters (GET, DELETE) or body (the rest) the route's code reads."""
    if not inputs.fields:
        return
    if method in ("get", "delete", "head"):
        parameters = operation.setdefault("parameters", [])
        known = {p["name"] for p in parameters}
        for name, schema in inputs.flat():
            if name in known or name.removesuffix("[]") in known:
                continue  # a FastAPI parameter (streaming's tag) is described already
            entry = {"name": name, "in": "query", "required": False, "schema": schema}
            if schema.get("type") == "array":
                entry.update(style="form", explode=True)
            parameters.append(entry)
        return
    form = {"type": "object", "properties": dict(inputs.flat())}
    content = {"application/json": {"schema": inputs.tree()},
               "application/x-www-form-urlencoded": {"schema": form}}
    if inputs.reads_file:
        content["multipart/form-data"] = {"schema": form}
    operation["requestBody"] = {"required": False, "content": content}


def describe(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Make app.openapi() add what every operation may answer (built once, then kept)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from salon.api.mastodon.routes import ROUTERS

            schema = get_openapi(title=app.title, version=app.version,
                                 openapi_version=app.openapi_version, routes=app.routes)
            routes = [route for router in ROUTERS for route in router.routes
                      if isinstance(route, APIRoute)]
            security = _security(routes)
            inputs = {(method.lower(), route.path): describe_inputs(route.endpoint)
                      for route in routes for method in route.methods or ()}
            schema.setdefault("components", {})["securitySchemes"] = {"oauth2": {
                "type": "oauth2", "description": "Tokens from /oauth/token, as Mastodon's.",
                "flows": {"authorizationCode": {
                    "authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
                    "refreshUrl": "/oauth/token",
                    "scopes": {scope: scope for scope in sorted(KNOWN)}}}}}
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    _describe(method, path, operation)
                    if (method, path) in inputs:
                        _inputs(method, operation, inputs[(method, path)])
                    if (method, path) in security:
                        operation["security"] = security[(method, path)]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return openapi

"""The API is described: /openapi.json lists the Mastodon endpoints and the parameters each
reads, /docs shows them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from salon.api import mastodon
from salon.api.mastodon.deps import Params
from salon.api.mastodon.routes import ROUTERS
from tests.conftest import Site


def test_openapi_and_docs(site: Site) -> None:
    schema = site.anon.client.get("/openapi.json").json()
    for path in ("/api/v1/statuses", "/api/v1/timelines/home", "/oauth/token",
                 "/api/v2/search", "/api/v1/streaming/user"):
        assert path in schema["paths"], path
    page = site.anon.client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" not in page.text  # loaded by docs.js
    assert "<script>" not in page.text  # no inline script, even here
    assert site.anon.client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert "/openapi.json" in site.anon.client.get("/static/docs.js").text


def _documented(operation: dict[str, Any]) -> set[str]:
    """The parameter names an operation documents, in the query or as form fields."""
    names = {p["name"] for p in operation.get("parameters", [])}
    content = operation.get("requestBody", {}).get("content", {})
    form = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
    return names | set(form.get("properties", {}))


def test_parameters_are_described(site: Site) -> None:
    paths = site.anon.client.get("/openapi.json").json()["paths"]
    post = paths["/api/v1/statuses"]["post"]
    assert {"status", "media_ids[]", "poll[options][]", "poll[expires_in]", "visibility",
            "in_reply_to_id"} <= _documented(post)
    body = post["requestBody"]["content"]
    assert "multipart/form-data" not in body  # no file is read here
    fields = body["application/json"]["schema"]["properties"]
    assert fields["media_ids"]["items"]["pattern"] == "^[0-9]{1,19}$"
    assert fields["media_ids"]["maxItems"] == 20
    assert fields["poll"]["properties"]["options"]["type"] == "array"
    home = {p["name"]: p for p in paths["/api/v1/timelines/home"]["get"]["parameters"]}
    assert {"max_id", "since_id", "min_id", "limit"} <= set(home)
    assert home["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 40}
    types = {p["name"]: p for p in paths["/api/v1/notifications"]["get"]["parameters"]}
    assert types["types[]"]["style"] == "form" and types["types[]"]["explode"] is True
    media = paths["/api/v2/media"]["post"]["requestBody"]["content"]
    assert media["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert "q" in _documented(paths["/api/v2/search"]["get"])


# Every reading method of Params, whether or not input_docs knows it yet.
ACCESSORS = {name for name, value in vars(Params).items()
             if callable(value) and not name.startswith("_")} - {"name", "refuse", "given"}


def _accessor_calls(source: str) -> Iterator[str]:
    """The field names of typed accessor calls with a constant name: p.text("status")."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ACCESSORS and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            yield node.args[0].value


def test_every_accessor_call_is_described(site: Site) -> None:
    """Drift: each field the API's code reads through Params is in /openapi.json, described
    by an operation of the same module (helpers without routes: by some operation)."""
    paths = site.anon.client.get("/openapi.json").json()["paths"]
    by_module: dict[str, set[str]] = {}
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in route.methods or ():
                    operation = paths[route.path][method.lower()]
                    by_module.setdefault(route.endpoint.__module__, set()).update(
                        part.rstrip("]") for name in _documented(operation)
                        for part in name.removesuffix("[]").split("["))
    everywhere = set().union(*by_module.values())
    folder = Path(mastodon.__file__).parent
    missing = []
    for module in sorted(folder.glob("*.py")):
        documented = by_module.get(f"salon.api.mastodon.{module.stem}", everywhere)
        missing += [f"{module.name}: {name}" for name in _accessor_calls(module.read_text())
                    if name not in documented]
    assert not missing, missing

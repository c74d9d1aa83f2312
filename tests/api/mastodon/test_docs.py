"""The API is described: /openapi.json lists the Mastodon endpoints, /docs shows them."""

from __future__ import annotations

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

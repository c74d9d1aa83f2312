"""A 405 says which methods the path takes (RFC 9110: Allow is required)."""

from __future__ import annotations

from tests.conftest import Site


def test_405_names_the_allowed_methods(site: Site) -> None:
    client = site.anon.client
    response = client.delete("/api/v1/instance")
    assert response.status_code == 405
    assert response.json() == {"error": "That action is not allowed here."}
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and "DELETE" not in allowed
    # A path several routes share lists all of their methods.
    response = client.post("/api/v1/statuses/1")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "DELETE", "PUT"} <= allowed, allowed
    # Pages too.
    response = client.delete("/public")
    assert response.status_code == 405 and "GET" in response.headers["allow"]

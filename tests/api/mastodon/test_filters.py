"""Filters v2 through the API: CRUD, keywords and posts, and `filtered` on statuses in every
timeline, with warn and hide, contexts and expiry, as Mastodon answers them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def _form(site: Site, method: str, path: str, who: dict[str, str],
          fields: list[tuple[str, str]]) -> Any:
    """A form body with its fields in this order (as browsers and Rails clients send one)."""
    return api(site, method, path, {**who, "Content-Type": "application/x-www-form-urlencoded"},
               content=urlencode(fields))


def _filter(site: Site, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = api(site, "POST", "/api/v2/filters", who, json=body)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_crud_with_keywords_attributes(site: Site) -> None:
    alice = token_for(site, "alice")
    made = _filter(site, alice, title="Cats", context=["home", "public"],
                   filter_action="warn", expires_in=3600,
                   keywords_attributes=[{"keyword": "cat", "whole_word": True},
                                        {"keyword": "kitten", "whole_word": False}])
    assert set(made) == {"id", "title", "context", "expires_at", "filter_action", "keywords",
                         "statuses"}
    assert made["title"] == "Cats" and made["context"] == ["home", "public"]
    assert made["filter_action"] == "warn" and made["expires_at"].endswith("Z")
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [
        ("cat", True), ("kitten", False)]
    assert made["statuses"] == []
    listed = api(site, "GET", "/api/v2/filters", alice).json()
    assert [f["id"] for f in listed] == [made["id"]]
    assert api(site, "GET", f"/api/v2/filters/{made['id']}", alice).json() == made
    # A form, as Rails reads nested attributes: a repeated field starts the next keyword;
    # _destroy removes one by id; expires_in empty: never.
    cat, kitten = made["keywords"]
    changed = _form(site, "PUT", f"/api/v2/filters/{made['id']}", alice, [
        ("title", "Felines"), ("context[]", "thread"), ("filter_action", "hide"),
        ("expires_in", ""),
        ("keywords_attributes[][id]", cat["id"]), ("keywords_attributes[][_destroy]", "1"),
        ("keywords_attributes[][id]", kitten["id"]),
        ("keywords_attributes[][_destroy]", "false"),
    ])
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["title"] == "Felines" and body["context"] == ["thread"]
    assert body["filter_action"] == "hide" and body["expires_at"] is None
    assert [k["keyword"] for k in body["keywords"]] == ["kitten"]
    indexed = api(site, "PUT", f"/api/v2/filters/{made['id']}", alice, data={
        "keywords_attributes[0][keyword]": "lion",
        "keywords_attributes[0][whole_word]": "false",
        "keywords_attributes[1][id]": kitten["id"],
        "keywords_attributes[1][whole_word]": "true"}).json()
    assert [(k["keyword"], k["whole_word"]) for k in indexed["keywords"]] == [
        ("kitten", True), ("lion", False)]
    v1 = api(site, "GET", "/api/v1/filters", alice).json()
    assert {f["phrase"] for f in v1} == {"kitten", "lion"}
    assert all(f["irreversible"] is True and f["context"] == ["thread"] for f in v1)
    assert api(site, "DELETE", f"/api/v2/filters/{made['id']}", alice).json() == {}
    assert api(site, "GET", f"/api/v2/filters/{made['id']}", alice).status_code == 404
    assert api(site, "GET", "/api/v2/filters", alice).json() == []

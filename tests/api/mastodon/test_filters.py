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


def _post(site: Site, who: dict[str, str], text: str, **more: Any) -> dict[str, Any]:
    found: dict[str, Any] = api(site, "POST", "/api/v1/statuses", who,
                                json={"status": text, **more}).json()
    return found


def _follow(site: Site, who: dict[str, str], username: str) -> None:
    target = api(site, "GET", "/api/v1/accounts/lookup", who, params={"acct": username}).json()
    api(site, "POST", f"/api/v1/accounts/{target['id']}/follow", who)
    site.run_jobs()


def _ids(body: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in body]


def test_warn_marks_and_hide_drops_in_each_context(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    _follow(site, alice, "bob")
    warned = _filter(site, alice, title="Cats", context=["home", "public", "thread"],
                     keywords_attributes=[{"keyword": "cat", "whole_word": True}])
    _filter(site, alice, title="Spoilers", context=["home", "notifications"],
            filter_action="hide", keywords_attributes=[{"keyword": "finale",
                                                        "whole_word": False}])
    root = _post(site, bob, "A thread about Cat food")
    cat = _post(site, bob, "Look at my CAT!", in_reply_to_id=root["id"])
    word = _post(site, bob, "concatenate these strings")  # not the whole word
    spoiled = _post(site, bob, "the grand finale was @alice")
    plain = _post(site, bob, "nothing to see")
    site.run_jobs()

    home = api(site, "GET", "/api/v1/timelines/home", alice).json()
    by_id = {s["id"]: s for s in home}
    assert spoiled["id"] not in by_id  # hidden in home
    assert {root["id"], cat["id"], word["id"], plain["id"]} <= set(by_id)
    result = by_id[cat["id"]]["filtered"]
    assert result == [{"filter": {"id": warned["id"], "title": "Cats",
                                  "context": ["home", "public", "thread"], "expires_at": None,
                                  "filter_action": "warn"},
                       "keyword_matches": ["cat"], "status_matches": None}]
    assert by_id[word["id"]]["filtered"] == [] and by_id[plain["id"]]["filtered"] == []

    public = {s["id"]: s for s in api(site, "GET", "/api/v1/timelines/public", alice).json()}
    assert spoiled["id"] in public and public[spoiled["id"]]["filtered"] == []  # not public
    assert public[cat["id"]]["filtered"][0]["filter"]["title"] == "Cats"

    thread = api(site, "GET", f"/api/v1/statuses/{cat['id']}/context", alice).json()
    assert thread["ancestors"][0]["filtered"][0]["keyword_matches"] == ["cat"]

    notes = api(site, "GET", "/api/v1/notifications", alice).json()
    assert spoiled["id"] not in {n["status"]["id"] for n in notes if n.get("status")}

    # Bob has no filters; anonymous readers get no `filtered` at all.
    assert all(s["filtered"] == [] for s in api(site, "GET", "/api/v1/timelines/public",
                                                bob).json())
    assert all("filtered" not in s for s in api(site, "GET", "/api/v1/timelines/public",
                                                {}).json())
    # A single status: every filter marks it, none hides it.
    single = api(site, "GET", f"/api/v1/statuses/{spoiled['id']}", alice).json()
    assert single["filtered"][0]["filter"]["title"] == "Spoilers"


def test_status_filters_expiry_and_own_posts(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    _follow(site, alice, "bob")
    one = _post(site, bob, "a post alice would rather not see")
    mine = _post(site, alice, "my own cat")
    made = _filter(site, alice, title="That one", context=["home"], filter_action="hide",
                   keywords_attributes=[{"keyword": "cat"}])
    added = api(site, "POST", f"/api/v2/filters/{made['id']}/statuses", alice,
                json={"status_id": one["id"]}).json()
    assert added == {"id": added["id"], "status_id": one["id"]}
    assert api(site, "GET", f"/api/v2/filters/statuses/{added['id']}", alice).json() == added
    site.run_jobs()
    home = _ids(api(site, "GET", "/api/v1/timelines/home", alice).json())
    assert one["id"] not in home and mine["id"] in home  # one's own posts are never filtered
    # Reposted by someone alice follows: the original is what is filtered.
    api(site, "POST", f"/api/v1/statuses/{one['id']}/reblog", bob)
    site.run_jobs()
    home_page = api(site, "GET", "/api/v1/timelines/home", alice).json()
    assert one["id"] not in [s["reblog"]["id"] for s in home_page if s.get("reblog")]
    # Expired: it does nothing.
    api(site, "PUT", f"/api/v2/filters/{made['id']}", alice, json={"expires_in": 1})

    async def expire(session: Any) -> None:
        from sqlalchemy import update

        from salon.db.ids import utcnow
        from salon.filters.models import Filter
        await session.execute(update(Filter).values(expires_at=utcnow()))
        await session.commit()

    site.call(expire)
    assert one["id"] in _ids(api(site, "GET", "/api/v1/timelines/home", alice).json())
    listed = api(site, "GET", f"/api/v2/filters/{made['id']}/statuses", alice).json()
    assert listed == [added]
    assert api(site, "DELETE", f"/api/v2/filters/statuses/{added['id']}", alice).json() == {}
    assert api(site, "GET", f"/api/v2/filters/{made['id']}/statuses", alice).json() == []


def test_keywords_endpoints(site: Site) -> None:
    alice = token_for(site, "alice")
    made = _filter(site, alice, title="Words", context=["public"])
    path = f"/api/v2/filters/{made['id']}/keywords"
    added = api(site, "POST", path, alice, data={"keyword": "dog", "whole_word": "false"}).json()
    assert set(added) == {"id", "keyword", "whole_word"} and added["whole_word"] is False
    assert api(site, "GET", path, alice).json() == [added]
    changed = api(site, "PUT", f"/api/v2/filters/keywords/{added['id']}", alice,
                  json={"keyword": "dogs", "whole_word": True}).json()
    assert changed == {"id": added["id"], "keyword": "dogs", "whole_word": True}
    assert api(site, "GET", f"/api/v2/filters/keywords/{added['id']}", alice).json() == changed
    assert api(site, "DELETE", f"/api/v2/filters/keywords/{added['id']}", alice).json() == {}
    assert api(site, "GET", path, alice).json() == []


def test_another_persons_filter_is_not_found(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    made = _filter(site, alice, title="Mine", context=["home"],
                   keywords_attributes=[{"keyword": "x"}])
    keyword = made["keywords"][0]["id"]
    post = _post(site, alice, "hello")
    status = api(site, "POST", f"/api/v2/filters/{made['id']}/statuses", alice,
                 json={"status_id": post["id"]}).json()
    for method, path in (("GET", f"/api/v2/filters/{made['id']}"),
                         ("PUT", f"/api/v2/filters/{made['id']}"),
                         ("DELETE", f"/api/v2/filters/{made['id']}"),
                         ("GET", f"/api/v2/filters/{made['id']}/keywords"),
                         ("POST", f"/api/v2/filters/{made['id']}/keywords"),
                         ("GET", f"/api/v2/filters/keywords/{keyword}"),
                         ("PUT", f"/api/v2/filters/keywords/{keyword}"),
                         ("DELETE", f"/api/v2/filters/keywords/{keyword}"),
                         ("GET", f"/api/v2/filters/{made['id']}/statuses"),
                         ("GET", f"/api/v2/filters/statuses/{status['id']}"),
                         ("DELETE", f"/api/v2/filters/statuses/{status['id']}"),
                         ("GET", f"/api/v1/filters/{keyword}")):
        response = api(site, method, path, bob, json={"keyword": "y", "title": "t"})
        assert response.status_code == 404, (method, path, response.text)
    # Nor may bob's filter name alice's keyword.
    own = _filter(site, bob, title="Bob's", context=["home"])
    response = api(site, "PUT", f"/api/v2/filters/{own['id']}", bob,
                   json={"keywords_attributes": [{"id": keyword, "_destroy": True}]})
    assert response.status_code == 404
    assert api(site, "GET", "/api/v2/filters", bob).json()[0]["keywords"] == []
    assert len(api(site, "GET", f"/api/v2/filters/{made['id']}", alice).json()["keywords"]) == 1


def test_bad_input_names_the_field(site: Site) -> None:
    alice = token_for(site, "alice")
    cases = [
        ({"context": ["home"]}, "title"),
        ({"title": "t"}, "context"),
        ({"title": "t", "context": ["everywhere"]}, "context"),
        ({"title": "t", "context": ["home"], "filter_action": "explode"}, "filter_action"),
        ({"title": "t", "context": ["home"], "expires_in": "soon"}, "expires_in"),
        ({"title": "t", "context": ["home"], "keywords_attributes": "cat"},
         "keywords_attributes"),
        ({"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": ""}]},
         "keyword"),
        ({"title": "t", "context": ["home"],
          "keywords_attributes": [{"keyword": "a", "whole_word": "maybe"}]},
         "keywords_attributes[0][whole_word]"),
        ({"title": ["t"], "context": ["home"]}, "title"),
    ]
    for body, field in cases:
        response = api(site, "POST", "/api/v2/filters", alice, json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.json()["error"], (body, response.text)
    made = _filter(site, alice, title="t", context=["home"])
    response = api(site, "POST", f"/api/v2/filters/{made['id']}/statuses", alice, json={})
    assert response.status_code == 422 and "status_id" in response.json()["error"]
    assert api(site, "GET", "/api/v2/filters", {}).status_code == 401
    read_only = token_for(site, "carol", "read")
    assert api(site, "POST", "/api/v2/filters", read_only,
               json={"title": "t", "context": ["home"]}).status_code == 403

"""Hashtags: the Tag entity with history, following tags, and featured tags on profiles."""

from __future__ import annotations

from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import Site


def test_a_tag_with_its_history_and_following(site: Site) -> None:
    alice = token_for(site, "alice")
    api(site, "POST", "/api/v1/statuses", alice, data={"status": "#Sunset one"})
    api(site, "POST", "/api/v1/statuses", alice, data={"status": "#sunset two"})
    api(site, "POST", "/api/v1/statuses", alice,
        data={"status": "#sunset hidden", "visibility": "private"})
    tag = api(site, "GET", "/api/v1/tags/SUNSET", {}).json()
    assert tag["name"] == "sunset" and tag["url"] == "http://127.0.0.1:8000/tags/sunset"
    assert len(tag["history"]) == 7 and "following" not in tag
    assert tag["history"][0]["uses"] == "2" and tag["history"][0]["accounts"] == "1"
    assert tag["history"][1]["uses"] == "0"
    assert api(site, "GET", "/api/v1/tags/sunset", alice).json()["following"] is False

    # An unused tag is answered all the same (nothing is made by reading it).
    unused = api(site, "GET", "/api/v1/tags/nothing_yet", alice).json()
    assert unused["name"] == "nothing_yet" and unused["following"] is False
    assert [d["uses"] for d in unused["history"]] == ["0"] * 7
    assert api(site, "GET", "/api/v1/tags/no-such!", {}).status_code == 404

    followed = api(site, "POST", "/api/v1/tags/Sunset/follow", alice).json()
    assert followed["following"] is True and followed["name"] == "sunset"
    again = api(site, "POST", "/api/v1/tags/sunset/follow", alice)  # twice: still one
    assert again.status_code == 200
    new = api(site, "POST", "/api/v1/tags/brandnew/follow", alice).json()
    assert new["following"] is True
    listed = api(site, "GET", "/api/v1/followed_tags", alice).json()
    assert [t["name"] for t in listed] == ["brandnew", "sunset"]
    assert all(t["following"] is True for t in listed)

    first = api(site, "GET", "/api/v1/followed_tags", alice, params={"limit": 1})
    assert [t["name"] for t in first.json()] == ["brandnew"]
    next_url = first.headers["link"].split(">")[0].lstrip("<").replace("http://testserver", "")
    assert [t["name"] for t in api(site, "GET", next_url, alice).json()] == ["sunset"]

    gone = api(site, "POST", "/api/v1/tags/sunset/unfollow", alice).json()
    assert gone["following"] is False
    assert [t["name"] for t in api(site, "GET", "/api/v1/followed_tags", alice).json()] == [
        "brandnew"]
    # Following needs a token with write:follows; reading the list, read:follows.
    reader = token_for(site, "bob", "read")
    assert api(site, "POST", "/api/v1/tags/sunset/follow", reader).status_code == 403
    assert api(site, "POST", "/api/v1/tags/sunset/follow", {}).status_code == 401
    assert api(site, "GET", "/api/v1/followed_tags", {}).status_code == 401
    assert api(site, "GET", "/api/v1/followed_tags", reader).json() == []


def test_featured_tags(site: Site) -> None:
    alice = token_for(site, "alice")
    me = api(site, "GET", "/api/v1/accounts/verify_credentials", alice).json()
    for text in ("#art one", "#art two", "#Photo three", "#art private"):
        api(site, "POST", "/api/v1/statuses", alice, data={
            "status": text, "visibility": "private" if "private" in text else "public"})
    suggested = api(site, "GET", "/api/v1/featured_tags/suggestions", alice).json()
    assert [t["name"] for t in suggested] == ["art", "photo"]
    assert len(suggested[0]["history"]) == 7

    made = api(site, "POST", "/api/v1/featured_tags", alice, data={"name": "#Art"}).json()
    assert made["name"] == "art" and made["statuses_count"] == 2  # the private one not
    assert made["url"] == "http://127.0.0.1:8000/@alice/tagged/art"
    assert made["last_status_at"] is not None
    empty = api(site, "POST", "/api/v1/featured_tags", alice, data={"name": "unused"}).json()
    assert empty["statuses_count"] == 0 and empty["last_status_at"] is None
    assert [t["name"] for t in api(site, "GET", "/api/v1/featured_tags/suggestions",
                                   alice).json()] == ["photo"]

    public = api(site, "GET", f"/api/v1/accounts/{me['id']}/featured_tags", {}).json()
    assert [t["name"] for t in public] == ["art", "unused"]
    assert api(site, "GET", "/api/v1/featured_tags", alice).json() == public

    # 4.4's tag actions, and the featuring flag on the tag.
    featured = api(site, "POST", "/api/v1/tags/photo/feature", alice).json()
    assert featured["featuring"] is True
    assert api(site, "POST", "/api/v1/tags/photo/unfeature", alice).json()["featuring"] is False

    # Removing: only one's own; an unknown id is 404.
    bob = token_for(site, "bob")
    assert api(site, "DELETE", f"/api/v1/featured_tags/{made['id']}", bob).status_code == 404
    assert api(site, "DELETE", f"/api/v1/featured_tags/{made['id']}", alice).json() == {}
    assert api(site, "DELETE", f"/api/v1/featured_tags/{made['id']}", alice).status_code == 404
    assert [t["name"] for t in api(site, "GET", "/api/v1/featured_tags", alice).json()] == [
        "unused"]

    # Ten at most; bad names are refused naming the field.
    for n in range(9):
        api(site, "POST", "/api/v1/featured_tags", alice, data={"name": f"t{n}"})
    over = api(site, "POST", "/api/v1/featured_tags", alice, data={"name": "eleventh"})
    assert over.status_code == 422 and "10" in over.json()["error"]
    for bad in ("", "two words", "x" * 101, "#", "İ" * 60):
        refused = api(site, "POST", "/api/v1/featured_tags", bob, data={"name": bad})
        assert refused.status_code == 422 and "name" in refused.json()["error"]
    assert api(site, "POST", "/api/v1/featured_tags", bob, json={"name": 5}).status_code == 422
    assert api(site, "GET", "/api/v1/accounts/123/featured_tags", {}).status_code == 404


def test_featured_tags_on_the_profile_page(site: Site) -> None:
    alice = token_for(site, "alice")
    api(site, "POST", "/api/v1/statuses", alice, data={"status": "#garden roses"})
    api(site, "POST", "/api/v1/statuses", alice, data={"status": "just text"})
    api(site, "POST", "/api/v1/featured_tags", alice, data={"name": "garden"})
    page = site.anon.get("/@alice")
    assert page.status_code == 200 and 'href="/@alice/tagged/garden"' in page.text
    tagged = site.anon.get("/@alice/tagged/garden")
    assert tagged.status_code == 200 and "roses" in tagged.text
    assert "just text" not in tagged.text

"""The app starts on a fresh database and its main pages answer."""

from tests.conftest import Site


def test_pages_answer(site: Site) -> None:
    alice = site.user("alice")
    response = alice.post("/posts", {"text": "Hello #salon from @alice", "visibility": "public"})
    assert response.status_code == 303
    site.run_jobs()
    for path in ["/home", "/public", "/tags/salon", "/@alice", "/@alice/with_replies",
                 "/@alice/media", "/@alice/followers", "/@alice/following", "/search?q=hello",
                 "/notifications", "/bookmarks", "/settings/profile"]:
        page = alice.get(path)
        assert page.status_code == 200, (path, page.text[:500])
    assert "Hello" in alice.get("/home").text
    assert site.anon.get("/home", follow_redirects=False).status_code == 303

"""For You in the web UI: the tab, why each post is there, the buttons that tune the feed
(with HTMX and without), and the choice of the tab the site opens on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.feeds.models import Feedback
from salon.graph import service as graph
from salon.settings import Settings
from tests.web import CheckedSite, elements, open_site

HTMX = {"HX-Request": "true", "HX-Target": "fy"}


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def _follow(site: CheckedSite, who: str, whom: str) -> None:
    async def run(session: AsyncSession) -> None:
        a = await accounts.get_by_username(session, who)
        b = await accounts.get_by_username(session, whom)
        await graph.follow(session, a.id, b.id)

    site.call(run)


def _feedback(site: CheckedSite) -> list[tuple[str, int | None, int | None, int | None]]:
    async def run(session: AsyncSession) -> list[tuple[str, int | None, int | None, int | None]]:
        rows = await session.scalars(select(Feedback).order_by(Feedback.id))
        return [(r.kind, r.post_id, r.author_id, r.tag_id) for r in rows]

    return list(site.call(run))


def test_the_for_you_tab_says_why_and_tunes_the_feed(site: CheckedSite) -> None:
    alice, bob, carl = site.user("alice"), site.user("bob"), site.user("carl")
    _follow(site, "alice", "bob")
    by_bob = site.compose(bob, "bob", {"text": "a heron at dawn #birds"})
    by_carl = site.compose(carl, "carl", {"text": "a stone bridge in fog"})

    page = alice.get("/for-you")
    assert page.status_code == 200
    assert '<a href="/for-you" aria-current="page">For you</a>' in page.text
    assert f'id="fy{by_bob}"' in page.text and f'id="fy{by_carl}"' in page.text
    assert "<span class=\"why-label\">why:</span> from @bob, who you follow" in page.text
    buttons = [b for b in page.text.split("<button") if 'class="link"' in b]
    labels = {b.split(">", 1)[1].split("<", 1)[0] for b in buttons}
    assert {"Show less like this", "Show more", "Not interested in @bob",
            "Not interested in #birds", "Not interested in @carl"} <= labels
    forms = elements(page.text, "form", action="/for-you/feedback")
    assert forms and all(f["hx-post"] == "/for-you/feedback" for f in forms)

    # Show less: the post folds into a line with Undo; Undo brings the post back.
    folded = alice.post("/for-you/feedback", {"kind": "less", "post_id": str(by_carl),
                                              "item": str(by_carl)}, headers=HTMX)
    assert folded.status_code == 200
    assert "You will see less like this." in folded.text and ">Undo</button>" in folded.text
    assert f'id="fy{by_carl}"' in folded.text and "<article" not in folded.text
    assert _feedback(site) == [("less", by_carl, None, None)]
    back = alice.post("/for-you/feedback", {"kind": "less", "post_id": str(by_carl),
                                            "item": str(by_carl), "undo": "1"}, headers=HTMX)
    assert f'id="p{by_carl}"' in back.text and _feedback(site) == []

    # Without JavaScript: a plain form post, then back to For you.
    plain = alice.post("/for-you/feedback", {"kind": "not_interested", "tag": "birds"})
    assert plain.status_code == 303 and plain.headers["location"].endswith("/for-you")
    assert alice.post("/for-you/feedback", {"kind": "not_interested",
                                            "account_id": "x1"}).status_code == 422
    again = alice.get("/for-you").text
    assert f'id="fy{by_bob}"' not in again and f'id="fy{by_carl}"' in again


def test_the_site_opens_on_the_chosen_tab(site: CheckedSite) -> None:
    alice = site.user("alice")
    assert alice.client.get("/", follow_redirects=False).headers["location"] == "/home"
    assert site.anon.client.get("/for-you", follow_redirects=False).status_code in (303, 401)
    form = alice.get("/settings/profile").text
    assert 'name="start_tab" value="for_you"' in form
    saved = alice.post("/settings/start-tab", {"start_tab": "for_you"})
    assert saved.status_code == 303
    assert "Salon opens on For you" in alice.get(saved.headers["location"]).text
    assert alice.client.get("/", follow_redirects=False).headers["location"] == "/for-you"
    assert alice.post("/settings/start-tab", {"start_tab": "news"}).status_code == 422


def test_with_embeddings_off_the_page_says_so(settings: Settings) -> None:
    for site in open_site(settings.model_copy(update={"embeddings": "off"})):
        alice = site.user("alice")
        page = alice.get("/for-you").text
        assert "Ranked without meaning" in page

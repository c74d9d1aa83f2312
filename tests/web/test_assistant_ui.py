"""The assistant in the web UI and the API: its posts carry an "AI" label (salon.ai_generated,
a bot account), its profile says it is automated, and the asker alone sees a placeholder
under their question ("@muse is thinking…") that becomes the answer; no one else sees it,
and a page of questions costs the same queries however many are pending."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.api.mastodon import rendered
from salon.assistant import service as assistant
from salon.assistant.models import Ask, AskState
from salon.db.ids import utcnow
from salon.posts.models import Post
from salon.settings import Settings
from tests.api.mastodon.test_endpoints import api, token_for
from tests.web import CheckedSite, open_site

AI_LABEL = '<span class="ai-label" title="Written by'
PLACEHOLDER_RE = re.compile(r'<div class="post ask-pending[^"]*" id="ask-(\d+)"')


@pytest.fixture
def site(settings: Settings) -> Iterator[CheckedSite]:
    yield from open_site(settings)


def _ask(site: CheckedSite, question_id: int) -> Ask | None:
    async def read(session: AsyncSession) -> Ask | None:
        found: Ask | None = await session.scalar(
            select(Ask).where(Ask.question_post_id == question_id))
        return found

    found: Ask | None = site.call(read)
    return found


def _set_ask(site: CheckedSite, question_id: int, state: AskState,
             answer_post_id: int | None = None) -> None:
    """The ask as the assistant's jobs leave it at some step, made or moved by hand."""
    async def write(session: AsyncSession) -> None:
        question = await session.get_one(Post, question_id)
        ask = await session.scalar(select(Ask).where(Ask.question_post_id == question_id))
        if ask is None:
            ask = Ask(asker_id=question.account_id, kind="mention",
                      question_post_id=question_id)
            session.add(ask)
        ask.state, ask.answer_post_id = state, answer_post_id

    site.call(write)


def _placeholders(page: str) -> list[int]:
    return [int(i) for i in PLACEHOLDER_RE.findall(page)]


def _article(page: str, post_id: int) -> str:
    found = re.search(rf'<article class="post[^"]*" id="p{post_id}".*?</article>', page,
                      re.DOTALL)
    assert found, f"post {post_id} is not on the page"
    return found.group(0)


def test_the_asker_sees_it_thinking_then_the_answer_and_no_one_else_sees_it(
    site: CheckedSite,
) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    art = site.compose(alice, "alice", {"text": "a quiet harbour at dawn"})
    posted = bob.post("/posts", {"text": "@muse what is this?", "in_reply_to_id": str(art)})
    assert posted.status_code == 303
    question = site.last_post_id("bob")
    # Where the reply form lands: the thread, with the placeholder under the question
    # before the assistant's first job has even run.
    landing = posted.headers["location"].split("#")[0]
    assert landing == f"/@alice/{art}" and _ask(site, question) is None
    page = bob.get(landing).text
    assert _placeholders(page) == [question]
    assert ">@muse</a> is thinking…" in page
    assert f'hx-get="/posts/{question}/assistant?doing=thinking&amp;depth=2"' in page
    assert 'hx-trigger="every 1s"' in page and 'hx-swap="outerHTML"' in page
    assert page.index(f'id="p{question}"') < page.index(f'id="ask-{question}"')
    # Only the asker: not the author of the post asked about, not a visitor.
    assert _placeholders(alice.get(landing).text) == []
    assert _placeholders(site.anon.get(landing).text) == []
    # Its fragment: unchanged while it thinks (nothing to swap); nothing for others.
    fragment = f"/posts/{question}/assistant?doing=thinking&depth=2"
    assert bob.get(fragment).status_code == 204
    assert alice.get(fragment).status_code == 204
    assert site.anon.get(fragment, follow_redirects=False).status_code == 303  # sign in

    site.run_jobs()
    asked = _ask(site, question)
    assert asked is not None and asked.state == AskState.answered and asked.answer_post_id
    answered = bob.get(fragment)
    assert answered.status_code == 200
    reply = _article(answered.text, asked.answer_post_id)
    assert "reply d2" in reply and "@muse" in reply and AI_LABEL in reply
    assert "hx-trigger" not in answered.text  # answered: it asks no more
    # Reloaded: the answer is in the thread, labelled; the question is not.
    page = bob.get(landing).text
    assert _placeholders(page) == []
    assert AI_LABEL in _article(page, asked.answer_post_id)
    assert AI_LABEL not in _article(page, question) and AI_LABEL not in _article(page, art)


def test_drawing_silence_and_what_others_get_from_the_fragment(site: CheckedSite) -> None:
    bob, carol = site.user("bob"), site.user("carol")
    question = site.compose(bob, "bob", {"text": "@muse draw a lighthouse in a storm"})
    _set_ask(site, question, AskState.drawing)
    page = bob.get(f"/@bob/{question}").text
    assert _placeholders(page) == [question] and ">@muse</a> is drawing…" in page
    # The page said thinking, the assistant draws now: the placeholder says so.
    moved = bob.get(f"/posts/{question}/assistant?doing=thinking&depth=1")
    assert moved.status_code == 200 and _placeholders(moved.text) == [question]
    assert "is drawing…" in moved.text and "doing=drawing" in moved.text
    assert bob.get(f"/posts/{question}/assistant?doing=drawing").status_code == 204
    # It stayed silent (a refusal said nothing): the placeholder goes, replaced by nothing.
    _set_ask(site, question, AskState.refused)
    silent = bob.get(f"/posts/{question}/assistant?doing=drawing")
    assert silent.status_code == 200 and silent.text == ""
    assert _placeholders(bob.get(f"/@bob/{question}").text) == []
    # A question carol may not read is not found for her; one she may read is nothing to her.
    secret = site.compose(bob, "bob", {"text": "@muse draw a secret", "visibility": "direct"})
    assert carol.get(f"/posts/{secret}/assistant").status_code == 404
    assert carol.get(f"/posts/{question}/assistant").status_code == 204
    assert _placeholders(carol.get(f"/@bob/{question}").text) == []
    assert carol.get("/posts/999999999/assistant").status_code == 404

    async def pending(session: AsyncSession, who: str) -> dict[int, AskState]:
        account = await session.scalar(select(Account).where(Account.username_key == who))
        assert account is not None
        return await assistant.pending_for(session, account.id, [question, secret])

    _set_ask(site, question, AskState.thinking)
    assert site.call(pending, "bob") == {question: AskState.thinking, secret: "thinking"}
    assert site.call(pending, "carol") == {}  # only the asker's own questions


def test_an_old_question_never_recorded_shows_nothing(site: CheckedSite) -> None:
    bob = site.user("bob")
    question = site.compose(bob, "bob", {"text": "@muse hello?"})
    plain = site.compose(bob, "bob", {"text": "no question here"})
    page = bob.get("/@bob").text
    assert _placeholders(page) == [question]  # on a profile's feed too; not under `plain`
    assert plain not in _placeholders(page)

    async def age(session: AsyncSession) -> None:
        await session.execute(update(Post).where(Post.id == question).values(
            created_at=utcnow() - timedelta(minutes=30)))

    site.call(age)  # its job never ran (the assistant was off, say): nothing is promised
    assert _placeholders(bob.get("/@bob").text) == []


class Queries:
    def __init__(self, site: CheckedSite) -> None:
        self.engine = site.app.state.db.engine.sync_engine
        self.n = 0

    def __enter__(self) -> Queries:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.n += 1


def test_a_page_of_pending_questions_costs_the_same_queries(site: CheckedSite) -> None:
    bob = site.user("bob")
    counts = []
    for more in (2, 8):
        for i in range(more - len(_placeholders(bob.get("/@bob").text))):
            site.compose(bob, "bob", {"text": f"@muse question {i}?"})
        bob.get("/@bob")  # the cookie and caches settle
        with Queries(site) as queries:
            page = bob.get("/@bob").text
        assert len(_placeholders(page)) == more
        counts.append(queries.n)
    assert counts[0] == counts[1], counts


def test_its_profile_says_automated_and_mute_and_block_work(site: CheckedSite) -> None:
    bob = site.user("bob")
    page = bob.get("/@muse").text
    assert ">Automated account</span>" in page
    assert "automated account" in page and "Mute or block me" in page  # its bio
    assert "Automated account" not in bob.get("/@bob").text
    assert "Mute @muse" in page and "Block @muse" in page
    assert bob.post("/@muse/mute").status_code == 303
    assert "Unmute @muse" in bob.get("/@muse").text
    assert bob.post("/@muse/block").status_code == 303
    assert "Unblock" in bob.get("/@muse").text


def test_the_api_marks_its_posts_ai_generated_and_its_account_a_bot(site: CheckedSite) -> None:
    bob = token_for(site, "bob")
    art = api(site, "POST", "/api/v1/statuses", bob, data={"status": "my harbour"}).json()
    question = api(site, "POST", "/api/v1/statuses", bob, data={
        "status": "@muse what is this?", "in_reply_to_id": art["id"]}).json()
    site.run_jobs()
    asked = _ask(site, int(question["id"]))
    assert asked is not None and asked.answer_post_id is not None
    answer = api(site, "GET", f"/api/v1/statuses/{asked.answer_post_id}", bob).json()
    assert answer["salon"]["ai_generated"] is True and answer["salon"]["label"] == "AI"
    assert answer["account"]["bot"] is True and answer["account"]["username"] == "muse"
    mine = api(site, "GET", f"/api/v1/statuses/{question['id']}", bob).json()
    assert mine["salon"]["ai_generated"] is False and mine["salon"]["label"] is None
    assert mine["account"]["bot"] is False
    # Its timeline, joined from kept parts, cold then warm, says the same.
    for _ in range(2):
        listed = api(site, "GET", f"/api/v1/accounts/{answer['account']['id']}/statuses",
                     bob).json()
        assert listed[0]["id"] == answer["id"]
        assert listed[0]["salon"] == answer["salon"]
        assert listed[0]["account"]["bot"] is True
    person = api(site, "GET", f"/api/v1/accounts/{mine['account']['id']}", bob).json()
    assert person["bot"] is False


def test_a_kept_part_is_not_reused_for_an_author_who_changed(site: CheckedSite) -> None:
    """The `salon` of a post depends on its author's `is_assistant`, which is not the
    post's row: a kept part made for one is not used for the other."""
    site.user("bob")

    async def check(session: AsyncSession) -> None:
        bob = await session.scalar(select(Account).where(Account.username_key == "bob"))
        assert bob is not None
        post = Post(account_id=bob.id, text="hi", content_html="<p>hi</p>")
        session.add(post)
        await session.flush()
        await session.refresh(post)  # every column loaded, as a page reads it
        cache = rendered.RenderedStatuses("http://testserver", 10)
        [person] = await rendered.statuses(session, cache, [post], None)
        assert '"ai_generated":false' in person
        assert cache.part(post, bob) is not None
        bob.is_assistant = True
        assert cache.part(post, bob) is None
        [assistant] = await rendered.statuses(session, cache, [post], None)
        assert '"ai_generated":true' in assistant and '"label":"AI"' in assistant
        await session.rollback()

    site.call(check)


def test_someone_who_muted_it_is_not_shown_it_thinking(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    art = site.compose(alice, "alice", {"text": "a quiet harbour at dawn"})
    assert bob.post("/@muse/mute").status_code == 303
    posted = bob.post("/posts", {"text": "@muse what is this?", "in_reply_to_id": str(art)})
    question = site.last_post_id("bob")
    landing = posted.headers["location"].split("#")[0]
    assert _placeholders(bob.get(landing).text) == []  # it will not answer: no promise
    site.run_jobs()
    asked = _ask(site, question)
    assert asked is not None and asked.reason == "muted" and asked.answer_post_id is None


def test_its_profile_points_to_its_replies(site: CheckedSite) -> None:
    alice, bob = site.user("alice"), site.user("bob")
    art = site.compose(alice, "alice", {"text": "a quiet harbour at dawn"})
    bob.post("/posts", {"text": "@muse what is this?", "in_reply_to_id": str(art)})
    site.run_jobs()
    assert "Only replies so far: see Posts &amp; replies." in bob.get("/@muse").text
    assert "No posts yet." in site.user("carol").get("/@carol").text

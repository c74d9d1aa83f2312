"""For You's privacy matrix: only public top-level posts of others that the person may see
and has not seen are ranked, and a reason never names a muted, blocked or suspended account
nor quotes a post that is not public."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.feeds import for_you
from salon.feeds.models import Ranking
from salon.filters import service as filter_service
from salon.filters.service import KeywordChange
from salon.graph import service as graph
from salon.jobs.worker import Worker
from salon.posts import interactions
from salon.posts import service as posts
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People


async def _post(session: AsyncSession, who: Account, text: str, **kwargs: object) -> int:
    made = await posts.create_post(session, who, text, **kwargs)  # type: ignore[arg-type]
    await session.commit()
    return made.id


async def test_only_what_the_person_may_see_and_has_not_seen_is_ranked(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    names = ("vic", "ada", "fol", "sam", "mel", "bob", "bib", "sus", "old")
    vic, ada, fol, sam, mel, bob, bib, sus, old = [await people.make(n) for n in names]
    for who in (ada, fol, mel):
        await graph.follow(session, vic.id, who.id)
    await session.commit()

    shown = {await _post(session, sam, "a watercolor fox by the river"),
             await _post(session, ada, "my own fox sketch, public")}
    never = {
        "followers-only": await _post(session, fol, "fox for followers", visibility="private"),
        "direct": await _post(session, sam, "@vic a fox just for you", visibility="direct"),
        "unlisted": await _post(session, sam, "an unlisted fox", visibility="unlisted"),
        "muted": await _post(session, mel, "a fox from a muted account"),
        "blocked": await _post(session, bob, "a fox from a blocked account"),
        "blocked by": await _post(session, bib, "a fox from someone who blocked vic"),
        "suspended": await _post(session, sus, "a fox from a suspended account"),
        "muted word": await _post(session, sam, "fox spoilers for the finale"),
        "too old": await _post(session, old, "an old fox",
                               created_at=utcnow() - timedelta(days=4)),
        "own": await _post(session, vic, "my fox"),
    }
    deleted = await _post(session, sam, "a deleted fox")
    seen = {what: await _post(session, sam, f"a fox vic {what}")
            for what in ("liked", "bookmarked", "reposted", "replied to")}
    parent = await _post(session, ada, "a question about foxes")
    never["reply to another"] = await _post(session, sam, "an answer about foxes",
                                            in_reply_to_id=parent)
    await interactions.like(session, vic, seen["liked"])
    await interactions.bookmark(session, vic, seen["bookmarked"])
    await interactions.repost(session, vic, seen["reposted"])
    await posts.create_post(session, vic, "nice fox", in_reply_to_id=seen["replied to"])
    repost = await interactions.repost(session, ada, parent)
    await graph.mute(session, vic.id, mel.id)
    await graph.block(session, vic.id, bob.id)
    await graph.block(session, bib.id, vic.id)
    await accounts.suspend(session, sus.id)
    await posts.delete_post(session, sam, deleted)
    await filter_service.create(session, vic.id, "No spoilers", ["home"], "hide",
                                keywords=[KeywordChange(keyword="spoilers")])
    await session.commit()
    await worker.drain()

    ranked = {r.post_id for r in await for_you.rank(session, settings, vic.id)}
    page = await for_you.page(session, settings, vic.id, Cursor(limit=40))
    for found in (ranked, {p.id for p in page.posts}):
        assert found == shown | {parent}, {k for k, v in never.items() if v in found}
        assert not found & set(seen.values()) and deleted not in found
        assert repost.id not in found


async def test_reasons_never_name_a_hidden_account_nor_quote_a_private_post(
    settings: Settings, session: AsyncSession, people: People, worker: Worker
) -> None:
    names = ("vic", "ada", "mel", "bob", "sus", "fol", "sam", "eli")
    vic, ada, mel, bob, sus, fol, sam, eli = [await people.make(n) for n in names]
    for who in (ada, mel, bob, sus, fol):
        await graph.follow(session, vic.id, who.id)
    await session.commit()
    # Vic's only likes: a followers-only fox and a public one by someone Vic then mutes.
    secret = await _post(session, fol, "watercolor fox, secret sketch", visibility="private")
    muted = await _post(session, eli, "watercolor fox with muted colours")
    for liked in (secret, muted):
        await interactions.like(session, vic, liked)
    await graph.mute(session, vic.id, eli.id)
    liked_by_hidden = await _post(session, sam, "a lighthouse in the storm")
    for who in (mel, bob, sus):
        await interactions.like(session, who, liked_by_hidden)
    fox = await _post(session, sam, "a fox painted in watercolor, in the snow")
    await graph.mute(session, vic.id, mel.id)
    await graph.block(session, bob.id, vic.id)
    await accounts.suspend(session, sus.id)
    await session.commit()
    await worker.drain()

    page = await for_you.page(session, settings, vic.id, Cursor(limit=40))
    reasons = {p.id: page.reasons[p.id] for p in page.posts}
    assert set(reasons) == {liked_by_hidden, fox}
    assert reasons[fox].text == "like posts you liked"  # neither liked post is quoted
    assert reasons[liked_by_hidden].kind != "social"
    for reason in reasons.values():
        assert not any(word in reason.text for word in ("secret", "muted", "@mel", "@bob",
                                                        "@sus", "@eli", "@fol"))

    # A reason kept in the ranking is reworded when what it names is hidden since.
    carl = await people.make("carl")
    await graph.follow(session, vic.id, carl.id)
    await interactions.like(session, carl, liked_by_hidden)
    await session.commit()
    first = await for_you.page(session, settings, vic.id, Cursor(limit=40))
    await session.commit()
    assert first.reasons[liked_by_hidden].text == "liked by @carl, who you follow"
    kept = await session.get(Ranking, (vic.id, ""))
    assert kept is not None and kept.feedback_id == 0
    entries = [e for e in kept.entries if e[0] != liked_by_hidden]
    kept.entries = [entries[0], *(e for e in kept.entries if e[0] == liked_by_hidden)]
    await graph.block(session, vic.id, carl.id)
    await session.commit()
    later = await for_you.page(session, settings, vic.id,
                               Cursor(max_id=entries[0][0], limit=40))
    assert [p.id for p in later.posts] == [liked_by_hidden]
    assert later.reasons[liked_by_hidden].text == "liked by people you follow"

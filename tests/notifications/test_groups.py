"""Group keys as Mastodon gives them: likes and reposts of one post, and follows, within a
span of hours; and a page of groups costs the same queries however many it holds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.notifications import groups
from salon.notifications import service as notifications
from salon.notifications.models import Notification
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import People, Site


async def test_keys_by_type_post_and_span(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    now = utcnow()
    hour = int(now.timestamp()) // 3600
    assert await groups.key_for(session, alice.id, "favourite", 7, now) == f"favourite-7-{hour}"
    assert await groups.key_for(session, alice.id, "follow", None, now) == f"follow-{hour}"
    for kind, post in (("mention", 7), ("reply", 7), ("status", 7), ("follow_request", None),
                       ("salon.remix", 7), ("favourite", None), ("follow", 7)):
        assert await groups.key_for(session, alice.id, kind, post, now) is None, kind
    # A like within SPAN_HOURS of the group's first joins it; one later starts another.
    session.add(Notification(account_id=alice.id, from_account_id=alice.id, type="follow",
                             group_key=f"follow-{hour}"))
    await session.flush()
    later = now + timedelta(hours=groups.SPAN_HOURS - 1)
    assert await groups.key_for(session, alice.id, "follow", None, later) == f"follow-{hour}"
    much_later = now + timedelta(hours=groups.SPAN_HOURS)
    assert await groups.key_for(session, alice.id, "follow", None, much_later) == (
        f"follow-{hour + groups.SPAN_HOURS}")
    # Another post's likes are not in it.
    assert await groups.key_for(session, alice.id, "favourite", 8, later) == (
        f"favourite-8-{hour + groups.SPAN_HOURS - 1}")


async def test_notify_stores_the_group_key(people: People, session: AsyncSession) -> None:
    alice, bob, carol = [await people.make(n) for n in ("alice", "bob", "carol")]
    one = await notifications.notify(session, "follow", alice.id, bob.id)
    two = await notifications.notify(session, "follow", alice.id, carol.id)
    mention = await notifications.notify(session, "follow_request", alice.id, carol.id)
    assert one and two and mention
    assert one.group_key == two.group_key and (one.group_key or "").startswith("follow-")
    assert mention.group_key is None


def test_a_page_of_groups_costs_the_same_however_many(site: Site) -> None:
    alice = token_for(site, "alice")
    likers = [token_for(site, f"fan{n}") for n in range(12)]
    engine = site.app.state.db.engine.sync_engine
    counts: list[int] = []
    seen = [0]

    def count(*args: object) -> None:
        seen[0] += 1

    for round_ in range(2):
        # More groups (another post liked by each fan), more accounts and statuses.
        for fan in likers[: 3 if round_ == 0 else 12]:
            post = api(site, "POST", "/api/v1/statuses", alice, json={"status": "p"}).json()
            api(site, "POST", f"/api/v1/statuses/{post['id']}/favourite", fan)
            api(site, "POST", f"/api/v1/statuses/{post['id']}/favourite", likers[0])
        site.run_jobs()
        seen[0] = 0
        event.listen(engine, "before_cursor_execute", count)
        try:
            body = api(site, "GET", "/api/v2/notifications", alice).json()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(seen[0])
        assert len(body["notification_groups"]) == (3 if round_ == 0 else 15)
    assert counts[0] == counts[1], counts

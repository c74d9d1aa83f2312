"""Scheduled statuses: made by POST /api/v1/statuses with scheduled_at, listed, moved,
cancelled, and published by a durable job at their time (run here by making the job due and
stepping the worker, never by waiting)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.ids import utcnow
from salon.jobs.models import Job
from salon.posts import scheduled as scheduling
from salon.posts.models import Post
from tests.api.mastodon.test_endpoints import _png, api, token_for
from tests.conftest import Site

PARAMS = {"text", "poll", "media_ids", "sensitive", "spoiler_text", "visibility",
          "in_reply_to_id", "language", "application_id", "scheduled_at", "idempotency",
          "with_rate_limit"}


def _at(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _due(site: Site, only: list[int] | None = None) -> None:
    """The clock moves past every scheduled post (or only these jobs): due now."""
    async def move(session: AsyncSession) -> None:
        which = update(Job).where(Job.kind == scheduling.JOB)
        if only is not None:
            which = which.where(Job.id.in_(only))
        await session.execute(which.values(run_at=utcnow() - timedelta(seconds=1)))

    site.call(move)


def _jobs(site: Site) -> list[int]:
    async def find(session: AsyncSession) -> list[int]:
        return list(await session.scalars(select(Job.id).where(Job.kind == scheduling.JOB)))

    return list(site.call(find))


def _posts_by(site: Site, username: str) -> int:
    async def count(session: AsyncSession) -> int:
        from salon.accounts import service as accounts

        who = await accounts.get_by_username(session, username)
        assert who is not None
        return int(await session.scalar(
            select(func.count()).select_from(Post).where(Post.account_id == who.id)) or 0)

    return int(site.call(count))


def _schedule(site: Site, who: dict[str, str], **fields: Any) -> Any:
    return api(site, "POST", "/api/v1/statuses", who, data={"scheduled_at": _at(60), **fields})


def test_a_scheduled_status_is_kept_then_published_by_its_job(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    media = api(site, "POST", "/api/v2/media", alice,
                files={"file": ("a.png", _png(), "image/png")}, data={"description": "a"}).json()
    made = _schedule(site, alice, status="Later, @bob", visibility="unlisted",
                     language="fr", spoiler_text="cw", **{"media_ids[]": media["id"]})
    assert made.status_code == 200, made.text
    body = made.json()
    assert set(body) == {"id", "scheduled_at", "params", "media_attachments"}
    assert set(body["params"]) >= PARAMS
    assert body["params"]["text"] == "Later, @bob" and body["params"]["language"] == "fr"
    assert body["params"]["visibility"] == "unlisted"
    assert body["params"]["media_ids"] == [media["id"]]
    assert isinstance(body["params"]["application_id"], int)
    assert [m["id"] for m in body["media_attachments"]] == [media["id"]]
    assert body["scheduled_at"].endswith("Z")
    # Nothing is posted yet; the job is not due, so the worker leaves it.
    assert _posts_by(site, "alice") == 0
    site.run_jobs()
    assert _posts_by(site, "alice") == 0
    # Its media stay reserved for it.
    taken = api(site, "POST", "/api/v1/statuses", alice,
                data={"status": "now", "media_ids[]": media["id"]})
    assert taken.status_code == 422 and "scheduled" in taken.json()["error"]

    _due(site)
    site.run_jobs()
    assert api(site, "GET", "/api/v1/scheduled_statuses", alice).json() == []
    mine = api(site, "GET", f"/api/v1/accounts/{_id(site, alice)}/statuses", alice).json()
    assert len(mine) == 1
    posted = mine[0]
    assert posted["content"].startswith("<p>Later") and posted["visibility"] == "unlisted"
    assert posted["language"] == "fr" and posted["spoiler_text"] == "cw"
    assert posted["application"] == {"name": "tests", "website": None}
    assert [m["id"] for m in posted["media_attachments"]] == [media["id"]]
    # The normal path: Bob is told of the mention.
    notes = api(site, "GET", "/api/v1/notifications", bob).json()
    assert [n["type"] for n in notes] == ["mention"]
    assert notes[0]["status"]["id"] == posted["id"]
    # The job ran once; running again publishes nothing more.
    _due(site)
    site.run_jobs()
    assert _posts_by(site, "alice") == 1


def _id(site: Site, who: dict[str, str]) -> str:
    return str(api(site, "GET", "/api/v1/accounts/verify_credentials", who).json()["id"])


def test_rescheduling_and_cancelling_leave_the_old_job_nothing_to_do(site: Site) -> None:
    alice = token_for(site, "alice")
    moved = _schedule(site, alice, status="moved").json()
    cancelled = _schedule(site, alice, status="cancelled").json()
    old_jobs = _jobs(site)
    later = _at(180)
    changed = api(site, "PUT", f"/api/v1/scheduled_statuses/{moved['id']}", alice,
                  data={"scheduled_at": later})
    assert changed.status_code == 200 and changed.json()["scheduled_at"][:19] == later[:19]
    assert api(site, "GET", f"/api/v1/scheduled_statuses/{moved['id']}",
               alice).json()["scheduled_at"] == changed.json()["scheduled_at"]
    assert api(site, "DELETE", f"/api/v1/scheduled_statuses/{cancelled['id']}",
               alice).json() == {}
    assert api(site, "GET", f"/api/v1/scheduled_statuses/{cancelled['id']}",
               alice).status_code == 404
    _due(site, old_jobs)  # the old times come: neither is published
    site.run_jobs()
    assert _posts_by(site, "alice") == 0
    _due(site)  # the moved post's new time comes
    site.run_jobs()
    texts = [s["content"] for s in api(site, "GET",
                                       f"/api/v1/accounts/{_id(site, alice)}/statuses",
                                       alice).json()]
    assert texts == ["<p>moved</p>"]


def test_times_and_limits_are_refused_naming_the_field(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = token_for(site, "alice")
    for when in (_at(4), _at(-10), "tomorrow", "2020-13-45T00:00:00Z",
                 "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z", "\u0000"):
        refused = _schedule(site, alice, status="x", scheduled_at=when)
        assert refused.status_code == 422 and "scheduled_at" in refused.json()["error"]
    bad_language = _schedule(site, alice, status="x", language="xx")
    assert bad_language.status_code == 422 and "language" in bad_language.json()["error"]
    assert _schedule(site, alice, status="").status_code == 422
    monkeypatch.setattr(scheduling, "DAILY_LIMIT", 2)
    monkeypatch.setattr(scheduling, "TOTAL_LIMIT", 3)
    day = datetime.now(UTC) + timedelta(days=2)
    for n in range(2):
        assert _schedule(site, alice, status=f"{n}",
                         scheduled_at=day.replace(hour=10 + n).isoformat()).status_code == 200
    third = _schedule(site, alice, status="3", scheduled_at=day.replace(hour=15).isoformat())
    assert third.status_code == 422 and "day" in third.json()["error"]
    assert _schedule(site, alice, status="other day").status_code == 200
    over = _schedule(site, alice, status="4", scheduled_at=_at(60 * 24 * 5))
    assert over.status_code == 422 and "300" not in over.json()["error"]
    assert "scheduled posts already" in over.json()["error"]


def test_listing_pages_and_others_ids_are_not_found(site: Site) -> None:
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    ids = [_schedule(site, alice, status=f"n{n}").json()["id"] for n in range(5)]
    first = api(site, "GET", "/api/v1/scheduled_statuses", alice, params={"limit": 3})
    assert [s["id"] for s in first.json()] == ids[::-1][:3]
    assert 'rel="next"' in first.headers["link"]
    after = api(site, "GET", "/api/v1/scheduled_statuses", alice,
                params={"max_id": ids[2]}).json()
    assert [s["id"] for s in after] == ids[:2][::-1]
    assert api(site, "GET", "/api/v1/scheduled_statuses", bob).json() == []
    for method, data in (("GET", None), ("PUT", {"scheduled_at": _at(90)}), ("DELETE", None)):
        assert api(site, method, f"/api/v1/scheduled_statuses/{ids[0]}", bob,
                   data=data).status_code == 404
    assert api(site, "GET", "/api/v1/scheduled_statuses/abc", alice).status_code == 404
    assert api(site, "GET", "/api/v1/scheduled_statuses", {}).status_code == 401
    # Bob's refusals changed nothing.
    assert len(api(site, "GET", "/api/v1/scheduled_statuses", alice).json()) == 5

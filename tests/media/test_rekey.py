"""Files stored before keys had a random folder (at keys their ids predict) move to fresh
folders on upgrade: `media.rekey`, queued once by migration 0012, in batches. Runs on the
local folder and, under SALON_TEST_S3, on the bucket."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.ids import new_id
from salon.generation import tasks
from salon.generation.models import Candidate
from salon.jobs.models import Job
from salon.jobs.service import enqueue
from salon.media.models import MediaAttachment
from salon.media.service import REKEY_JOB
from salon.media.store import is_guessable, is_public, media_store
from salon.posts.models import Post
from salon.posts.visibility import OPEN
from tests.api.mastodon.test_endpoints import api, token_for
from tests.api.mastodon.test_generations import account_id, finished, generate, post_picture
from tests.conftest import Site, stored
from tests.security.test_media_reachability import gets, post_upload
from tests.web import png

Keys = dict[str, str | None]  # "table.id.column" -> key


async def _back_to_old_keys(session: AsyncSession, site: Site) -> None:
    """Put every file where it was before random folders, as an upgraded instance has them:
    `{account}/{media id}/{name}`, avatars at `{account}/avatars/{id}.png`."""
    store = media_store(site.settings)
    old: dict[str, str] = {}
    for item in await session.scalars(select(MediaAttachment)):
        for key in (item.file_key, item.thumb_key):
            if key:
                old[key] = f"{item.account_id}/{item.id}/{key.rsplit('/', 1)[1]}"
    candidates = list(await session.scalars(select(Candidate)))
    for candidate in candidates:
        source = await session.get(MediaAttachment, candidate.media_id)
        assert source is not None
        for key in (candidate.recipe_key, candidate.plain_key):
            if key and key not in old:
                old[key] = f"{source.account_id}/{source.id}/{key.rsplit('/', 1)[1]}"
    for key, was in old.items():
        await store.copy(key, was)
        await store.delete(key)
    for item in await session.scalars(select(MediaAttachment)):
        item.file_key = old[item.file_key]
        item.thumb_key = old.get(item.thumb_key or "", item.thumb_key)
    for candidate in candidates:
        candidate.recipe_key = old.get(candidate.recipe_key or "", candidate.recipe_key)
        candidate.plain_key = old.get(candidate.plain_key or "", candidate.plain_key)
    for acc in await session.scalars(select(Account)):
        acc.avatar_key = f"{acc.id}/avatars/{new_id()}.png"
        await store.put(acc.avatar_key, png(), "image/png")


async def _keys(session: AsyncSession) -> tuple[Keys, dict[str, bool]]:
    """Every stored key, and whether what it belongs to is public."""
    keys: Keys = {}
    public: dict[str, bool] = {}
    rows = await session.execute(select(MediaAttachment, Post.visibility).outerjoin(
        Post, Post.id == MediaAttachment.post_id))
    for item, visibility in rows:
        for column in ("file_key", "thumb_key"):
            keys[f"media.{item.id}.{column}"] = getattr(item, column)
            public[f"media.{item.id}.{column}"] = visibility in OPEN
    for candidate in await session.scalars(select(Candidate)):
        for column in ("recipe_key", "plain_key"):
            keys[f"candidate.{candidate.id}.{column}"] = getattr(candidate, column)
    for acc in await session.scalars(select(Account)):
        keys[f"account.{acc.id}.avatar_key"] = acc.avatar_key
        public[f"account.{acc.id}.avatar_key"] = True
    return keys, public


async def _rekey(session: AsyncSession) -> None:
    enqueue(session, REKEY_JOB)


async def _rekey_runs(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == REKEY_JOB, Job.status == "done")) or 0)


def _status(site: Site, headers: dict[str, str], status_id: str) -> dict[str, Any]:
    answer = api(site, "GET", f"/api/v1/statuses/{status_id}", headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _unsigned(url: str) -> str:
    return url.split("?", 1)[0]


def test_old_keys_move_to_random_folders_once(site: Site,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "REKEY_BATCH", 2)  # several runs, each re-queuing the next
    store = media_store(site.settings)
    alice, bob = token_for(site, "alice"), token_for(site, "bob")
    owner = account_id(site, alice)
    assert api(site, "POST", f"/api/v1/accounts/{owner}/follow", bob).status_code == 200
    public = post_upload(site, alice, "for all", "public")
    followers = post_upload(site, alice, "for followers", "private")
    generated = post_picture(site, alice, "a kite in the open")["id"]
    candidate = finished(site, alice, generate(site, alice))["candidates"][0]["id"]
    site.run_jobs()
    site.call(_back_to_old_keys, site)
    before, _ = site.call(_keys)
    assert before and all(key is None or is_guessable(key) for key in before.values())

    # A page kept while the files were at the old keys (the local store keeps it).
    timeline = api(site, "GET", "/api/v1/timelines/public", {}).json()
    assert any(s["media_attachments"] for s in timeline)
    site.call(_rekey)
    site.run_jobs()
    after, public_of = site.call(_keys)
    assert site.call(_rekey_runs) >= 5  # media in 3 runs of 2, accounts in 2

    for name, key in after.items():
        if before[name] is None:
            assert key is None
            continue
        assert key is not None and not is_guessable(key), name
        old = before[name]
        assert old is not None and key != old
        assert site.call(lambda _s, k=key: stored(store, k)), name
        assert not site.call(lambda _s, k=old: stored(store, k)), name  # deleted after commit
        # Public where publish would have put it (media of open posts where the store
        # signs); a candidate's copy follows its media when shown, else stays private.
        shown_publicly = key in {after[n] for n, p in public_of.items() if p}
        expected = name.startswith("account.") or (store.signs and shown_publicly)
        assert is_public(key) == expected, name

    # Every address the API and the pages give names the new key, and fetches.
    served = {k for k in after.values() if k}
    for status_id, who in ((public, {}), (generated, {}), (followers, bob)):
        status = _status(site, who, status_id)
        for url in (status["media_attachments"][0]["url"],
                    status["media_attachments"][0]["preview_url"]):
            assert any(_unsigned(url).endswith(key) for key in served), url
            assert gets(site, url), url
    timeline = api(site, "GET", "/api/v1/timelines/public", {}).json()
    for status in timeline:
        for attachment in status["media_attachments"]:
            assert any(_unsigned(attachment["url"]).endswith(key) for key in served)
            assert gets(site, attachment["url"])
    page = site.anon.get(f"/posts/{public}").text
    shown = _status(site, {}, public)["media_attachments"][0]["url"]
    assert urlsplit(shown).path in html.unescape(page)
    made = api(site, "GET", "/api/v1/salon/generations", alice).json()
    pictures = [c for g in made for c in g["candidates"] if c["id"] == candidate]
    assert pictures and gets(site, pictures[0]["url"])
    avatar = api(site, "GET", f"/api/v1/accounts/{owner}", {}).json()["avatar"]
    assert any(_unsigned(avatar).endswith(k) for k in served) and gets(site, avatar)

    # Run again (as after a crash): nothing moves.
    site.call(_rekey)
    site.run_jobs()
    assert site.call(_keys)[0] == after

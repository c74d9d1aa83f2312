"""Statuses: post (with media, polls, replies, language; at once or scheduled;
Idempotency-Key honoured), read, edit,
delete, context, history, source, and favourite / reblog / bookmark / pin / mute (the thread)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.api.mastodon import entities, render
from salon.api.mastodon import scheduled as scheduled_api
from salon.api.mastodon.deps import (
    Params,
    account_of,
    base_url,
    params,
    path_id,
    scoped,
    token,
    viewer_filters,
    viewer_of,
)
from salon.datasets import signals
from salon.oauth.service import TokenContext
from salon.posts import interactions, reading, thread_mutes
from salon.posts import scheduled as scheduling
from salon.posts import service as posts
from salon.posts.models import Visibility
from salon.posts.schemas import PollSpec
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.web.deps import db_session, get_settings, wake_worker

router = APIRouter(prefix="/api/v1/statuses")
IDEMPOTENCY_SECONDS = 3600
READ = token("read:statuses")  # anyone may read; a token presented must allow reading


def _poll(p: Params) -> PollSpec | None:
    """`poll[options][]` and `poll[expires_in]` from a form, or a `poll` object in JSON."""
    poll = p.object("poll")
    if not poll.given("options"):
        return None
    if not isinstance(poll["options"], list):  # options[]= in a form is a list too
        raise poll.refuse("options", "a list of texts")
    return PollSpec(poll.texts("options", max_count=20, max_len=1000),
                    poll.number("expires_in", 86400, 1, 2**31 - 1),
                    poll.flag("multiple"))


def _idempotent(request: Request, context: TokenContext) -> tuple[Any, str] | None:
    key = request.headers.get("idempotency-key")
    if not key:
        return None
    # (when, "status" or "scheduled", its id)
    store: dict[Any, tuple[float, str, int]] = request.app.state.__dict__.setdefault(
        "idempotency", {})
    now = time.monotonic()
    for k in [k for k, (at, *_) in store.items() if at < now - IDEMPOTENCY_SECONDS]:
        del store[k]
    return store, f"{context.token.id}:{key}"


@router.post("")
async def create(
    request: Request,
    context: TokenContext = Depends(scoped("write:statuses")),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    me = account_of(context)
    base = base_url(settings)
    remembered = _idempotent(request, context)
    if remembered and remembered[1] in remembered[0]:  # a retry: answer with the first post
        kind, made = remembered[0][remembered[1]][1:]
        if kind == "scheduled":
            found = await scheduling.get_own(session, me.id, made)
            return JSONResponse((await scheduled_api.rendered(session, [found], base))[0])
        post = await posts.get_visible(session, made, me.id)
        return JSONResponse(await render.one_status(session, post, base, me.id))
    p = await params(request)
    when = scheduled_api.scheduled_time(p)
    draft = scheduling.Draft(
        text=p.text("status", multiline=True),
        spoiler_text=p.text("spoiler_text", multiline=True),
        visibility=p.choice("visibility", Visibility.__members__, "public"),
        media_ids=p.ids("media_ids", max_count=20),
        in_reply_to_id=p.id("in_reply_to_id"),
        quote_of_id=p.id("quoted_status_id") or p.id("quote_id"),
        poll=_poll(p),
        language=p.optional_text("language", max_len=20),
    )
    rules = posts.Rules.from_settings(settings)
    if when is not None:  # a ScheduledStatus instead of a Status, as Mastodon answers
        later = await scheduling.schedule(
            session, me, when, draft, rules=rules, application_id=context.app.id,
            idempotency=request.headers.get("idempotency-key"))
        body = (await scheduled_api.rendered(session, [later], base))[0]
        await session.commit()
        wake_worker(request)
        if remembered:
            remembered[0][remembered[1]] = (time.monotonic(), "scheduled", later.id)
        return JSONResponse(body)
    post = await posts.create_post(
        session, me, draft.text, rules=rules, spoiler_text=draft.spoiler_text,
        visibility=draft.visibility, media_ids=draft.media_ids,
        in_reply_to_id=draft.in_reply_to_id, quote_of_id=draft.quote_of_id, poll=draft.poll,
        language=draft.language, application_id=context.app.id,
    )
    # Rendered before the commit: once the post is kept, nothing read afterwards can turn
    # the answer into an error (a 503 for a post that was made invites posting it twice).
    body = await render.one_status(session, post, base, me.id)
    await session.commit()
    wake_worker(request)
    if remembered:
        remembered[0][remembered[1]] = (time.monotonic(), "status", post.id)
    return JSONResponse(body)


@router.get("")
async def many(request: Request, context: TokenContext | None = Depends(READ),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    """`id[]` (up to 20): those the viewer may see, in the order asked; others left out
    (Mastodon 4.3). Read and rendered as a page is, in a fixed number of queries."""
    ids = list(dict.fromkeys((await params(request)).ids("id", max_count=20)))
    viewer_id = viewer_of(context)
    found = await reading.visible(session, set(ids), viewer_id)
    views = await reading.present(session, [found[i] for i in ids if i in found], viewer_id)
    return JSONResponse(await render.statuses(
        session, views, base_url(settings), viewer_id,
        await viewer_filters(request, session, context, None)))


@router.get("/{post_id}")
async def show(request: Request, post_id: str, context: TokenContext | None = Depends(READ),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    post = await posts.get_visible(session, path_id(post_id), viewer_id)
    body = await render.one_status(session, post, base_url(settings), viewer_id,
                                   await viewer_filters(request, session, context, None))
    return JSONResponse(body, headers={
        "x-robots-tag": await signals.for_accounts(session, _shown(body))})


def _shown(status: dict[str, Any]) -> set[int]:
    """Whose posts a status entity shows: its author's, a reblog's, a quote's."""
    found = {int(status["account"]["id"])}
    for carried in (status.get("reblog"), (status.get("quote") or {}).get("quoted_status")):
        if carried:
            found |= _shown(carried)
    return found


@router.delete("/{post_id}")
async def delete(post_id: str, context: TokenContext = Depends(scoped("write:statuses")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    post = await posts.get_visible(session, path_id(post_id), me.id)
    body = await render.one_status(session, post, base_url(settings), me.id)
    await posts.delete_post(session, me, post.id)
    await session.commit()
    body["text"] = post.text  # for delete-and-redraft, as Mastodon answers
    return JSONResponse(body)


@router.put("/{post_id}")
async def edit(request: Request, post_id: str,
               context: TokenContext = Depends(scoped("write:statuses")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    post = await posts.edit_post(session, me, path_id(post_id),
                                 p.text("status", multiline=True),
                                 spoiler_text=p.optional_text("spoiler_text", multiline=True),
                                 rules=posts.Rules.from_settings(settings),
                                 language=p.optional_text("language", max_len=20))
    await session.commit()
    return JSONResponse(await render.one_status(session, post, base_url(settings), me.id))


@router.get("/{post_id}/context")
async def context_of(request: Request, post_id: str,
                     context: TokenContext | None = Depends(READ),
                     session: AsyncSession = Depends(db_session),
                     settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    thread = await timelines.thread(session, path_id(post_id), viewer_id)
    base = base_url(settings)
    matcher = await viewer_filters(request, session, context, "thread")
    return JSONResponse({
        "ancestors": await render.statuses(session, thread.ancestors, base, viewer_id,
                                           matcher),
        "descendants": await render.statuses(session, [n.view for n in thread.descendants],
                                             base, viewer_id, matcher),
    })


@router.get("/{post_id}/history")
async def history(post_id: str, context: TokenContext | None = Depends(READ),
                  session: AsyncSession = Depends(db_session),
                  settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    versions = await posts.history(session, path_id(post_id), viewer_id)
    post = await posts.get_visible(session, path_id(post_id), viewer_id)
    view = (await reading.present(session, [post], viewer_id))[0]
    return JSONResponse([
        entities.status_edit(e, view.author, base_url(settings), view.media, view.poll)
        .model_dump(mode="json")
        for e in versions
    ])


@router.get("/{post_id}/source")
async def source(post_id: str, context: TokenContext = Depends(scoped("read:statuses")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    post = await posts.get_visible(session, path_id(post_id), account_of(context).id)
    return JSONResponse({"id": str(post.id), "text": post.text,
                         "spoiler_text": post.spoiler_text})


async def _people(session: AsyncSession, ids: list[int], base: str) -> JSONResponse:
    found = await accounts.get_many(session, ids)
    return JSONResponse([entities.account(found[i], base).model_dump(mode="json")
                         for i in ids if i in found and found[i].suspended_at is None])


@router.get("/{post_id}/favourited_by")
async def favourited_by(post_id: str, context: TokenContext | None = Depends(READ),
                        session: AsyncSession = Depends(db_session),
                        settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    ids = await interactions.likers(session, path_id(post_id), viewer_id)
    return await _people(session, ids, base_url(settings))


@router.get("/{post_id}/reblogged_by")
async def reblogged_by(post_id: str, context: TokenContext | None = Depends(READ),
                       session: AsyncSession = Depends(db_session),
                       settings: Settings = Depends(get_settings)) -> JSONResponse:
    viewer_id = viewer_of(context)
    ids = await interactions.reposters(session, path_id(post_id), viewer_id)
    return await _people(session, ids, base_url(settings))


ACTIONS = {
    "favourite": ("write:favourites", interactions.like),
    "unfavourite": ("write:favourites", interactions.unlike),
    "reblog": ("write:statuses", interactions.repost),
    "unreblog": ("write:statuses", interactions.unrepost),
    "bookmark": ("write:bookmarks", interactions.bookmark),
    "unbookmark": ("write:bookmarks", interactions.unbookmark),
    "pin": ("write:accounts", interactions.pin),
    "unpin": ("write:accounts", interactions.unpin),
    "mute": ("write:mutes", thread_mutes.mute),  # the post's thread: no more notifications
    "unmute": ("write:mutes", thread_mutes.unmute),
}


def _action(name: str) -> None:
    scope, act = ACTIONS[name]

    async def endpoint(request: Request, post_id: str,
                       context: TokenContext = Depends(scoped(scope)),
                       session: AsyncSession = Depends(db_session),
                       settings: Settings = Depends(get_settings)) -> JSONResponse:
        me = account_of(context)
        result = await act(session, me, path_id(post_id))
        await session.commit()
        wake_worker(request)
        # A reblog answers with the reblog (wrapping the original); the rest with the post.
        body = await render.one_status(session, result, base_url(settings), me.id,
                                       await viewer_filters(request, session, context, None))
        if name == "reblog":  # as Mastodon answers it: the viewer reblogged what it wraps
            body["reblogged"] = True
        return JSONResponse(body)

    endpoint.__name__ = name
    router.add_api_route(f"/{{post_id}}/{name}", endpoint, methods=["POST"])


for _name in ACTIONS:
    _action(_name)

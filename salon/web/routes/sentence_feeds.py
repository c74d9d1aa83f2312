"""Feeds from a sentence in the web UI: /feeds to write one and keep one's own and followed
feeds (follow, pin as a tab, delete), and /feeds/{id}, a feed's page with its posts (a
public one is open to anyone, signed in or not). Forms work without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.errors import Invalid
from salon.feeds import sentences
from salon.settings import Settings
from salon.web.deps import Viewer, db_session, get_settings, require_account, verify_csrf, viewer
from salon.web.render import back, page
from salon.web.routes.common import cursor, feed_page, form_text, frame
from salon.web.tabs import feed_tabs

router = APIRouter(dependencies=[Depends(verify_csrf)])
ACTIONS = ("follow", "unfollow", "pin", "unpin", "delete")


async def _feeds_page(request: Request, session: AsyncSession, current: Viewer, me: Account,
                      form: dict[str, Any], error: str = "", status: int = 200) -> Response:
    mine = await sentences.views(session, me.id, await sentences.mine(session, me.id))
    followed = await sentences.views(session, me.id, await sentences.followed(session, me.id))
    return page(request, "sentence_feeds.html", {
        "title": "Feeds", "mine": mine, "followed": followed, "form": form, "error": error,
        "tabs": await feed_tabs(session, me), "sentence_max": sentences.SENTENCE_MAX,
        "title_max": sentences.TITLE_MAX, **await frame(session, current)}, status=status)


@router.get("/feeds")
async def index(request: Request, me: Account = Depends(require_account),
                current: Viewer = Depends(viewer),
                session: AsyncSession = Depends(db_session)) -> Response:
    return await _feeds_page(request, session, current, me,
                             {"order": "newest", "public": False, "pinned": True})


@router.post("/feeds")
async def create(request: Request, me: Account = Depends(require_account),
                 current: Viewer = Depends(viewer),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> Response:
    """Write a feed; refused, the form comes back with what was typed and why (422)."""
    form = await request.form()
    sentence, title = form_text(form, "sentence", multiline=True), form_text(form, "title")
    order = form_text(form, "order") or "newest"
    public, pinned = bool(form.get("public")), bool(form.get("pinned"))
    typed = {"sentence": sentence, "title": title, "order": order, "public": public,
             "pinned": pinned}
    try:
        made = await sentences.create(session, settings, me.id, sentence=sentence,
                                      title=title, order=order, public=public, pinned=pinned)
    except Invalid as e:  # refused before anything was written
        return await _feeds_page(request, session, current, me, typed, e.message, 422)
    await session.commit()
    return RedirectResponse(f"/feeds/{made.id}", status_code=303)


@router.get("/feeds/{feed_id:int}")
async def show(request: Request, feed_id: int, current: Viewer = Depends(viewer),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> Response:
    found = await sentences.readable(session, feed_id, current.id)
    (view,) = await sentences.views(session, current.id, [found])
    feed = await sentences.posts(session, settings, found, current.id, cursor(request))
    await session.commit()  # vectors of a model changed since are kept
    return await feed_page(request, session, current, feed, "sentence_feed.html", {
        "title": found.title, "view": view,
        "tabs": await feed_tabs(session, current.account) if current.account else [],
        "orders": sentences.ORDERS,
        "empty": "No posts match this feed yet: they come as people post."},
        where="home" if current.account else None)


@router.post("/feeds/{feed_id:int}/edit")
async def edit(request: Request, feed_id: int, me: Account = Depends(require_account),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> Response:
    form = await request.form()
    await sentences.update(session, settings, me.id, feed_id,
                           sentence=form_text(form, "sentence", multiline=True),
                           title=form_text(form, "title"),
                           order=form_text(form, "order") or "newest",
                           public=bool(form.get("public")))
    await session.commit()
    return RedirectResponse(f"/feeds/{feed_id}", status_code=303)


@router.post("/feeds/{feed_id:int}/{action}")
async def act(request: Request, feed_id: int, action: str,
              me: Account = Depends(require_account),
              session: AsyncSession = Depends(db_session)) -> Response:
    if action not in ACTIONS:
        raise Invalid(f"Unknown action {action!r}: one of " + ", ".join(ACTIONS) + ".")
    if action == "delete":
        await sentences.remove(session, me.id, feed_id)
        await session.commit()
        return RedirectResponse("/feeds", status_code=303)
    if action in ("follow", "unfollow"):
        await (sentences.follow if action == "follow" else sentences.unfollow)(
            session, me.id, feed_id)
    else:
        await sentences.pin(session, me.id, feed_id, action == "pin")
    await session.commit()
    return back(request, f"/feeds/{feed_id}")


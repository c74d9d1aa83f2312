"""For You in the web UI: the ranked tab beside Home, each post with why it is there and
buttons to say "show less like this", "show more", "not interested in @x / #tag" (HTMX
forms that work as plain forms too), and the choice of the tab the site opens on."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.feeds import feedback, for_you
from salon.posts import reading
from salon.posts.service import get_visible
from salon.settings import Settings
from salon.timelines.schemas import Page
from salon.web.deps import Viewer, db_session, get_settings, require_account, verify_csrf, viewer
from salon.web.render import back, is_htmx, page
from salon.web.routes.common import cursor, filtered, form_id, form_text, frame
from salon.web.tabs import feed_tabs

router = APIRouter(dependencies=[Depends(verify_csrf)])

# What the collapsed post says after each kind of feedback.
DONE = {"less": "You will see less like this.", "more": "You will see more like this.",
        "not_interested": "Not interested: noted."}


@router.get("/for-you")
async def for_you_page(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    client = f"web:{current.login.token_hash[:32]}" if current.login else "web"
    found = await for_you.page(session, settings, me.id, cursor(request), client=client)
    await session.commit()  # the first page keeps its ranking
    views = await reading.present(session, found.posts, me.id)
    feed = Page(await filtered(request, session, current, views, "home"), found.next_max_id)
    ctx = {"feed": feed, "reasons": found.reasons, "tags": found.tags,
           "meaning": found.meaning}
    if is_htmx(request) and request.headers.get("hx-target") != "main":
        return page(request, "partials/for_you_items.html", ctx)
    return page(request, "for_you.html", {
        **ctx, "title": "For you", "tabs": await feed_tabs(session, me),
        **await frame(session, current)})


@router.post("/for-you/feedback")
async def give_feedback(
    request: Request,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    """Feedback from a post's buttons; `undo` takes it back. With HTMX the post collapses
    into a line with an Undo button (and comes back on Undo); without, back to the page."""
    form = await request.form()
    kind = form_text(form, "kind")
    post_id, author_id = form_id(form, "post_id"), form_id(form, "account_id")
    tag = form_text(form, "tag") or None
    item = form_id(form, "item")  # the post whose buttons were used
    undoing = form.get("undo") is not None
    act = feedback.undo if undoing else feedback.give
    await act(session, me.id, kind, post_id=post_id, author_id=author_id, tag=tag)
    await session.commit()
    if not is_htmx(request):
        return back(request, "/for-you")
    if undoing:
        views = (await reading.present(session, [await get_visible(session, item, me.id)],
                                       me.id)) if item else []
        return page(request, "partials/for_you_items.html", {
            "feed": Page(views), "reasons": {}, "tags": {}, "restored": True})
    return page(request, "partials/for_you_done.html", {
        "item": item or post_id, "kind": kind, "post_id": post_id, "account_id": author_id,
        "tag": tag, "done": DONE.get(kind, "")})


@router.post("/settings/start-tab")
async def start_tab(
    request: Request,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    form = await request.form()
    await accounts.set_start_tab(session, me, form_text(form, "start_tab"))
    await session.commit()
    return RedirectResponse("/settings/profile?saved=start_tab", status_code=303)

"""Imagine in the web UI: the generation form, live candidate cards, vary, retry, cancel,
My generations, Explore, remixes and hiding a recipe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from salon.accounts.models import Account
from salon.db.ids import utcnow
from salon.errors import Invalid, SalonError
from salon.generation import engines, posting, previews
from salon.generation import service as generation
from salon.generation.models import Generation, State
from salon.generation.schemas import FIELDS, GenerationSpec, whole_number
from salon.media.models import MediaAttachment
from salon.settings import Settings
from salon.settings import get_settings as current_settings
from salon.timelines import service as timelines
from salon.timelines.schemas import Page
from salon.web.deps import (
    Viewer,
    db_session,
    get_settings,
    require_account,
    undo,
    verify_csrf,
    viewer,
    wake_worker,
)
from salon.web.render import back, is_htmx, page
from salon.web.routes.common import cursor, feed_page, frame

router = APIRouter(dependencies=[Depends(verify_csrf)])


def _text(form: FormData | dict[str, str], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def cards(session: AsyncSession, rows: list[Generation]) -> list[dict[str, Any]]:
    """What the generation card template needs, for several generations in one query."""
    found = await generation.candidates(session, [g.id for g in rows])
    settings = current_settings()  # the app's own (configure made them current)
    return [{"g": g, "candidates": found[g.id], "previews": previews.shown(settings, g),
             "uses": engines.recipe_fields(g.engine)} for g in rows]


async def _recent(session: AsyncSession, settings: Settings, me: Account) -> list[Generation]:
    since = utcnow() - timedelta(hours=settings.generation_keep_hours)
    return list(await session.scalars(
        select(Generation)
        .where(Generation.account_id == me.id, Generation.created_at >= since)
        .order_by(Generation.id.desc()).limit(8)
    ))


async def _prefill(session: AsyncSession, settings: Settings, me: Account,
                   request: Request) -> dict[str, Any]:
    """The form's starting values: a remix copies the source's recipe; an edit names its
    source picture."""
    query = dict(request.query_params)
    source_values: dict[str, str] = {}
    context: dict[str, Any] = {}
    remix_of = whole_number(query, "remix_of", "post to remix")
    if remix_of is not None:
        picture = whole_number(query, "picture", "picture to remix")
        source, r, count = await posting.visible_recipe(session, remix_of, me.id, picture)
        source_values = {
            "prompt": r.prompt, "negative_prompt": r.negative_prompt, "aspect": r.aspect,
            "style": r.style, "engine": r.engine, "count": str(count),
            **{k: "" if v is None else str(v) for k, v in (
                ("seed", r.seed), ("subseed", r.subseed),
                ("subseed_strength", r.subseed_strength))},
        }
        context["remix_source"] = source
    # What the query names wins: the engine menu draws the form again with what it holds.
    values = {k: query.get(k, source_values.get(k, "")) for k in FIELDS}
    source_media_id = whole_number(query, "source_media_id", "source image")
    if source_media_id is not None:
        item = await session.get(MediaAttachment, source_media_id)
        if item is None or item.account_id != me.id:
            raise Invalid("You can only edit your own pictures.", "source_media_id")
        context["source_media"] = item
        values.setdefault("strength", "0.6")
    return {"values": values, **context}


async def _imagine_page(request: Request, session: AsyncSession, settings: Settings,
                        current: Viewer, me: Account, extra: dict[str, Any],
                        status: int = 200) -> Response:
    offered = engines.enabled(settings)
    return page(request, "imagine.html", {
        "title": "Imagine",
        "engines": offered,
        "default_engine": settings.default_engine,
        "cards": await cards(session, await _recent(session, settings, me)),
        "used": await generation.images_used(session, me.id),
        **extra,
        **await frame(session, current),
    }, status)


@router.get("/imagine")
async def imagine_form(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    prefill = await _prefill(session, settings, me, request)
    return await _imagine_page(request, session, settings, current, me, prefill)


async def _card(request: Request, session: AsyncSession, made: Generation,
                new: bool = False) -> Response:
    """One card for HTMX. Where the images used today may have changed (asked for, given
    back), the page's counter comes along out of band; a new card is scrolled to."""
    card = (await cards(session, [made]))[0]
    live = made.state in (State.queued, State.running)
    used = (await generation.images_used(session, made.account_id)
            if request.method == "POST" or not live else None)
    response = page(request, "partials/generation.html", {"card": card, "used_now": used})
    if new:
        response.headers["HX-Reswap"] = f"afterbegin show:#g{made.id}:top"
    return response


@router.post("/imagine")
async def imagine(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    form = await request.form()
    try:
        made = await generation.request(session, settings, me, GenerationSpec.from_fields(form))
    except SalonError as error:
        if is_htmx(request):
            raise  # shown in the page's flash area; the form keeps what was typed
        await undo(request, session)
        values = {k: _text(form, k) for k in FIELDS}
        return await _imagine_page(request, session, settings, current, me,
                                   {"values": values, "error": error.message}, error.status)
    await session.commit()
    wake_worker(request)
    if is_htmx(request):
        return await _card(request, session, made, new=True)
    return RedirectResponse(f"/imagine#g{made.id}", status_code=303)


@router.get("/generations")
async def my_generations(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    paging = cursor(request, limit=10)
    rows = await generation.list_own(session, me.id, paging)
    feed: Page[dict[str, Any]] = Page.of(await cards(session, rows), [g.id for g in rows],
                                         paging)
    return page(request, "generations.html", {
        "title": "My generations", "feed": feed,
        "keep_hours": settings.generation_keep_hours,
        "used": await generation.images_used(session, me.id),
        **await frame(session, current),
    })


@router.get("/generations/{generation_id:int}")
async def one_generation(
    request: Request,
    generation_id: int,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    made = await generation.get_own(session, me.id, generation_id)
    if is_htmx(request):
        return await _card(request, session, made)
    return page(request, "generations.html", {
        "title": "Generation", "feed": Page(await cards(session, [made])),
        "keep_hours": settings.generation_keep_hours,
        "used": await generation.images_used(session, me.id), **await frame(session, current),
    })


@router.post("/generations/{generation_id:int}/{action}")
async def act_on_generation(
    request: Request,
    generation_id: int,
    action: str,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    if action == "cancel":
        made = await generation.cancel(session, me, generation_id)
    elif action == "retry":
        made = await generation.retry(session, settings, me, generation_id)
    elif action == "vary":
        query = request.query_params
        position = whole_number(dict(query), "position", "candidate")
        strength = query.get("strength", "subtle")
        if position is None or strength not in ("subtle", "strong"):
            raise Invalid("Say which candidate to vary and how (subtle or strong).", "position")
        made = await generation.vary(session, settings, me, generation_id, position,
                                     strength == "strong")
    else:
        raise Invalid(f"Generations can be cancelled, retried or varied, not {action!r}.")
    await session.commit()
    wake_worker(request)
    if is_htmx(request):
        return await _card(request, session, made, new=action == "vary")
    return RedirectResponse(f"/imagine#g{made.id}", status_code=303)


@router.get("/explore")
async def explore(
    request: Request,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    tag = request.query_params.get("tag", "").lstrip("#").strip() or None
    views = await timelines.ranked(session, current.id, limit=60, pictures=True, tag_name=tag)
    return page(request, "explore.html", {
        "title": f"Explore #{tag}" if tag else "Explore", "views": views, "tag": tag,
        **await frame(session, current),
    })


@router.get("/posts/{post_id:int}/remixes")
async def remixes(
    request: Request,
    post_id: int,
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    from salon.posts import reading

    paging = cursor(request)
    rows = await posting.remixes(session, post_id, current.id, paging)
    feed = Page.of(await reading.present(session, rows, current.id), [p.id for p in rows],
                   paging)
    return await feed_page(request, session, current, feed, "list.html",
                           {"title": "Remixes", "empty": "No remixes yet."})


@router.post("/posts/{post_id:int}/recipe")
async def hide_or_show_recipe(
    request: Request,
    post_id: int,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    form = await request.form()
    await posting.set_recipe_hidden(session, me, post_id, _text(form, "hidden") == "1")
    await session.commit()
    wake_worker(request)
    return back(request, anchor=f"p{post_id}")

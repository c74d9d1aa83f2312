"""Profiles, follow lists, relationships and profile settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.datasets import signals
from salon.errors import Invalid, NotFound, SalonError
from salon.graph import requests as follow_requests
from salon.graph import service as graph
from salon.media import service as media
from salon.moderation import service as moderation
from salon.settings import Settings
from salon.tags import service as tags
from salon.timelines import service as timelines
from salon.timelines.service import ProfileFilter
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
from salon.web.routes.common import _int, cursor, feed_page, form_text, frame

router = APIRouter(dependencies=[Depends(verify_csrf)])
TABS = {
    "": ("Posts", ProfileFilter()),
    "with_replies": ("Posts & replies", ProfileFilter(with_replies=True)),
    "media": ("Media", ProfileFilter(only_media=True)),
}


@router.get("/settings/profile")
async def profile_form(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    return page(
        request,
        "settings.html",
        {"title": "Settings", "saved": False, **await frame(session, current)},
    )


async def _image(upload: object, settings: Settings) -> bytes | None:
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(settings.max_upload_bytes + 1)
    return data or None


@router.post("/settings/profile")
async def save_profile(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> Response:
    form = await request.form()
    try:
        store = request.app.state.store
        avatar = await _image(form.get("avatar"), settings)
        header = await _image(form.get("header"), settings)
        await accounts.update_profile(
            session,
            me,
            display_name=form_text(form, "display_name")
            if isinstance(form.get("display_name"), str) else None,
            bio=form_text(form, "bio", multiline=True)
            if isinstance(form.get("bio"), str) else None,
            avatar_key=await media.store_avatar(settings, store, me.id, avatar) if avatar else None,
            header_key=await media.store_header(settings, store, me.id, header) if header else None,
            # The whole settings form (its field inputs are there): an unticked box is off.
            locked=form.get("locked") is not None if "field_name_0" in form else None,
            fields=[(form_text(form, f"field_name_{i}"), form_text(form, f"field_value_{i}"))
                    for i in range(accounts.MAX_FIELDS)] if "field_name_0" in form else None,
            delete_replaced=True,
        )
        await session.commit()
    except SalonError as error:
        await undo(request, session)
        return page(
            request,
            "settings.html",
            {
                "title": "Settings",
                "error": error.message,
                **await frame(session, current),
            },
            error.status,
        )
    return page(
        request,
        "settings.html",
        {"title": "Settings", "saved": True, **await frame(session, current)},
    )


@router.get("/@{username}")
@router.get("/@{username}/{tab}")
@router.get("/@{username}/tagged/{tagged}")
async def profile(
    request: Request,
    username: str,
    tab: str = "",
    tagged: str = "",
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    account = await accounts.get_by_username(session, username)
    if tab in ("followers", "following"):
        return await _follow_list(request, session, current, account, tab)
    if tab not in TABS:
        raise NotFound(f"Profiles have no {tab!r} tab.")
    tag_key = tags.key(tagged) if tagged else None
    if tagged and tag_key is None:
        raise NotFound("That is not a hashtag.")
    label, filters = TABS[tab]
    relationship = None
    if current.id and current.id != account.id:
        relationship = await graph.relationship(session, current.id, account.id)
    # Blocks are part of the visibility rule: a blocked viewer's page of posts is empty.
    feed = await timelines.profile(session, account.id, current.id, cursor(request), filters,
                                   tagged=tag_key)
    request.state.robots = await signals.for_accounts(
        session, {account.id, *signals.authors(feed.items)})  # reposts, quotes: theirs too
    return await feed_page(
        request,
        session,
        current,
        feed,
        "profile.html",
        {
            "title": f"{account.display_name or account.username} (@{account.username})",
            "account": account,
            "relationship": relationship,
            "tab": tab,
            "tabs": TABS,
            "tab_label": f"#{tag_key}" if tag_key else label,
            "tagged": tag_key,
            "featured_tags": await tags.featured(session, account.id),
        },
        where="account",
        profile_id=account.id,
    )


async def _follow_list(
    request: Request, session: AsyncSession, current: Viewer, account: Account, tab: str
) -> Response:
    rows = await graph.list_follows(
        session,
        account.id,
        followers=tab == "followers",
        max_id=_int(request, "max_id"),
        limit=40,
    )
    people = await accounts.get_many(session, [a for _, a in rows])
    listed = [people[a] for _, a in rows if a in people and people[a].suspended_at is None]
    relationships = (
        await graph.relationships(session, current.id, [a.id for a in listed]) if current.id else {}
    )
    return page(
        request,
        "follows.html",
        {
            "title": f"{'Followers of' if tab == 'followers' else 'Followed by'} "
            f"@{account.username}",
            "account": account,
            "tab": tab,
            "people": listed,
            "relationships": relationships,
            "next_max_id": rows[-1][0] if len(rows) == 40 else None,
            **await frame(session, current, profile_id=account.id),
        },
    )


@router.get("/follow_requests")
async def follow_requests_page(
    request: Request,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    rows = await follow_requests.pending(session, me.id, max_id=_int(request, "max_id"),
                                         limit=40)
    people = await accounts.get_many(session, [a for _, a in rows])
    return page(
        request,
        "follow_requests.html",
        {
            "title": "Follow requests",
            "people": [people[a] for _, a in rows if a in people],
            "next_max_id": rows[-1][0] if len(rows) == 40 else None,
            **await frame(session, current),
        },
    )


@router.post("/follow_requests/{username}/{action}")
async def answer_follow_request(
    request: Request,
    username: str,
    action: str,
    me: Account = Depends(require_account),
    session: AsyncSession = Depends(db_session),
) -> Response:
    answers = {"authorize": follow_requests.authorize, "reject": follow_requests.reject}
    if action not in answers:
        raise NotFound(f"No such answer {action!r}.")
    account = await accounts.get_by_username(session, username)
    await answers[action](session, me.id, account.id)
    await session.commit()
    wake_worker(request)
    return back(request, "/follow_requests")


@router.post("/@{username}/{action}")
async def relate(
    request: Request,
    username: str,
    action: str,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    account = await accounts.get_by_username(session, username)
    actions = {
        "follow": graph.follow,
        "unfollow": graph.unfollow,
        "block": graph.block,
        "unblock": graph.unblock,
        "mute": graph.mute,
        "unmute": graph.unmute,
    }
    if action == "report":
        form = await request.form()
        await moderation.file_report(
            session, me, account_id=account.id,
            category=form_text(form, "category") or "other",
            comment=form_text(form, "comment", multiline=True),
        )
        await session.commit()
        return RedirectResponse("/reports/sent", status_code=303)
    if action not in actions:
        raise Invalid(f"Unknown action {action!r}.")
    await actions[action](session, me.id, account.id)
    await session.commit()
    wake_worker(request)
    if is_htmx(request):
        return await _relate_fragment(request, session, me, account)
    return back(request, f"/@{account.username}")


async def _relate_fragment(request: Request, session: AsyncSession, me: Account,
                           account: Account) -> Response:
    """The button's box again (a "Who to follow" row, or the profile's relationship box),
    with the counts of the profile on the page when the follow changed them: its counts
    send `counts_of` along (hx-include), and it is `account`, or `me` on one's own."""
    relationship = await graph.relationship(session, me.id, account.id)
    shown = (await request.form()).get("counts_of")
    counted = [a for a in (account, me) if shown == str(a.id)]
    for changed in counted:
        await session.refresh(changed)
    in_suggestions = request.headers.get("hx-target") == f"suggestion-{account.id}"
    return page(request, "partials/relate.html", {
        "account": account, "relationship": relationship, "counted": counted,
        "suggested_now": relationship if in_suggestions else None,
    })


@router.get("/@{username}/report/new")
async def report_account_form(
    request: Request,
    username: str,
    me: Account = Depends(require_account),
    current: Viewer = Depends(viewer),
    session: AsyncSession = Depends(db_session),
) -> Response:
    account = await accounts.get_by_username(session, username)
    return page(
        request,
        "report.html",
        {
            "title": f"Report @{account.username}",
            "account": account,
            "v": None,
            "categories": moderation.CATEGORIES,
            **await frame(session, current),
        },
    )


@router.get("/settings")
async def settings_index() -> Response:
    return RedirectResponse("/settings/profile", status_code=303)

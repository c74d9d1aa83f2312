"""Accounts: registration, the signed-in account, profiles, follows, relationships."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Account
from salon.api.mastodon import entities, render, rendered
from salon.api.mastodon.deps import (
    SEARCH_MAX,
    ApiError,
    Params,
    account_of,
    base_url,
    params,
    path_id,
    rendered_statuses,
    scoped,
    token,
    viewer_filters,
    viewer_of,
)
from salon.api.mastodon.paging import cursor, json_list, paged_json
from salon.graph import requests as follow_requests
from salon.graph import service as graph
from salon.media import service as media
from salon.oauth import service as oauth
from salon.oauth.service import TokenContext
from salon.posts import interactions
from salon.settings import Settings
from salon.timelines import service as timelines
from salon.timelines.service import ProfileFilter
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/accounts")
# Registered before `router`, so /update_credentials is not taken for an account id.
profile_router = APIRouter(prefix="/api/v1/accounts")
READ = token("read:accounts")  # anyone may read; a token presented must allow reading


@router.post("")
async def register(
    request: Request,
    context: TokenContext = Depends(scoped("write:accounts", user=False)),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """Sign up through an app, as Mastodon: returns a token for the new account."""
    p = await params(request)
    if not p.flag("agreement"):
        raise ApiError(422, "Validation failed: agreement must be accepted.")
    await request.app.state.limiter.hit("signup", request.client.host if request.client else "?",
                                        settings.signups_per_hour, 3600)
    account = await accounts.sign_up(session, settings, p.text("username", max_len=100),
                                     p.text("password", max_len=1000))
    issued = await oauth.issue_for(session, context.app, account, context.scopes)
    await session.commit()
    return JSONResponse({"access_token": issued.access_token, "token_type": "Bearer",
                         "scope": " ".join(issued.scopes), "created_at": issued.created_at})


@router.get("")
async def many(
    request: Request,
    context: TokenContext | None = Depends(READ),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """`id[]` (up to 40): the accounts in the order asked; unknown, suspended or unapproved
    ones left out, as GET /api/v1/accounts/:id finds none of them (Mastodon 4.3)."""
    ids = list(dict.fromkeys((await params(request)).ids("id", max_count=40)))
    found = await accounts.get_many(session, ids)
    base = base_url(settings)
    return JSONResponse([entities.account(a, base).model_dump(mode="json")
                         for i in ids if (a := found.get(i)) is not None
                         and a.suspended_at is None and a.approved])


@router.get("/verify_credentials")
async def verify_credentials(
    context: TokenContext = Depends(scoped("profile")),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    me = account_of(context)
    body = entities.credential_account(me, base_url(settings),
                                       await follow_requests.count(session, me.id))
    return JSONResponse(body.model_dump(mode="json"))


@router.get("/search")
async def search(
    request: Request,
    context: TokenContext | None = Depends(READ),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    p = await params(request)
    found = await accounts.search(session, p.text("q", max_len=SEARCH_MAX)[:200],
                                  p.number("limit", 40, 1, 80, clamp=True))
    return JSONResponse([entities.account(a, base_url(settings)).model_dump(mode="json")
                         for a in found])


@router.get("/familiar_followers")
async def familiar_followers(
    request: Request,
    context: TokenContext = Depends(scoped("read:follows")),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    answer = []
    for account_id in p.ids("id", max_count=40):
        people = await accounts.get_many(
            session, await graph.familiar_followers(session, me.id, account_id))
        answer.append({"id": str(account_id), "accounts": [
            entities.account(a, base_url(settings)).model_dump(mode="json")
            for a in people.values() if a.suspended_at is None]})
    return JSONResponse(answer)


@router.get("/lookup")
async def lookup(
    request: Request,
    context: TokenContext | None = Depends(READ),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    acct = (await params(request)).text("acct", max_len=300)
    found = await accounts.get_by_username(session, acct.split("@")[0] if acct else "")
    return JSONResponse(entities.account(found, base_url(settings)).model_dump(mode="json"))


@router.get("/relationships")
async def relationships(
    request: Request,
    context: TokenContext = Depends(scoped("read:follows")),
    session: AsyncSession = Depends(db_session),
) -> JSONResponse:
    ids = (await params(request)).ids("id", max_count=100)
    found = await graph.relationships(session, account_of(context).id, ids)
    return JSONResponse([entities.relationship(i, r).model_dump(mode="json")
                         for i, r in found.items()])


async def _account(session: AsyncSession, account_id: str) -> Account:
    return await accounts.get(session, path_id(account_id))


@router.get("/{account_id}")
async def show(
    account_id: str,
    context: TokenContext | None = Depends(READ),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    found = await _account(session, account_id)
    return JSONResponse(entities.account(found, base_url(settings)).model_dump(mode="json"))


@router.get("/{account_id}/statuses")
async def statuses(
    request: Request,
    account_id: str,
    context: TokenContext | None = Depends(token("read:statuses")),
    session: AsyncSession = Depends(db_session),
    kept: rendered.RenderedStatuses = Depends(rendered_statuses),
) -> Response:
    found = await _account(session, account_id)
    p = await params(request)
    viewer_id = viewer_of(context)
    filters = ProfileFilter(with_replies=not p.flag("exclude_replies"),
                            only_media=p.flag("only_media"),
                            with_reposts=not p.flag("exclude_reblogs"))
    matcher = await viewer_filters(request, session, context, "account")
    if p.flag("pinned"):
        pinned = await rendered.statuses(
            session, kept, await interactions.pinned_posts(session, found.id, viewer_id),
            viewer_id, filters=matcher)
        return json_list(pinned)
    page = await timelines.profile(session, found.id, viewer_id, cursor(p), filters,
                                   tagged=p.text("tagged", max_len=200) or None,
                                   present=rendered.presenter(kept, matcher))
    return paged_json(request, page)


async def _relate(session: AsyncSession, context: TokenContext, account_id: str,
                  action: str) -> JSONResponse:
    me = account_of(context)
    target = await _account(session, account_id)
    actions = {"unfollow": graph.unfollow, "block": graph.block, "unblock": graph.unblock,
               "unmute": graph.unmute}
    await actions[action](session, me.id, target.id)
    await session.commit()
    found = await graph.relationship(session, me.id, target.id)
    return JSONResponse(entities.relationship(target.id, found).model_dump(mode="json"))


@router.post("/{account_id}/follow")
async def follow(request: Request, account_id: str,
                 context: TokenContext = Depends(scoped("write:follows")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    p = await params(request)
    reposts, notify = p.optional_flag("reblogs"), p.optional_flag("notify")
    me = account_of(context)
    target = await _account(session, account_id)
    await graph.follow(session, me.id, target.id, reposts=reposts, notify=notify)
    await session.commit()
    found = await graph.relationship(session, me.id, target.id)
    return JSONResponse(entities.relationship(target.id, found).model_dump(mode="json"))


RELATIONSHIP_ACTIONS = {"unfollow": "write:follows", "block": "write:blocks",
                        "unblock": "write:blocks", "unmute": "write:mutes"}
# mute (with its options), note, pin... are in graph.py.


def _relationship_action(name: str, scope: str) -> None:
    async def endpoint(account_id: str, context: TokenContext = Depends(scoped(scope)),
                       session: AsyncSession = Depends(db_session)) -> JSONResponse:
        return await _relate(session, context, account_id, name)

    endpoint.__name__ = name
    router.add_api_route(f"/{{account_id}}/{name}", endpoint, methods=["POST"])


for _name, _scope in RELATIONSHIP_ACTIONS.items():
    _relationship_action(_name, _scope)


async def _follow_list(request: Request, session: AsyncSession, settings: Settings,
                       account_id: str, followers: bool) -> JSONResponse:
    found = await _account(session, account_id)
    page_cursor = cursor(await params(request), 40, 80)
    rows = await graph.list_follows(session, found.id, followers=followers,
                                    max_id=page_cursor.max_id, limit=page_cursor.limit)
    return await render.account_page(request, session, base_url(settings), rows,
                                     page_cursor.limit)


@router.get("/{account_id}/followers")
async def followers(request: Request, account_id: str,
                    context: TokenContext | None = Depends(READ),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _follow_list(request, session, settings, account_id, followers=True)


@router.get("/{account_id}/following")
async def following(request: Request, account_id: str,
                    context: TokenContext | None = Depends(READ),
                    session: AsyncSession = Depends(db_session),
                    settings: Settings = Depends(get_settings)) -> JSONResponse:
    return await _follow_list(request, session, settings, account_id, followers=False)


@profile_router.patch("/update_credentials")
async def update_credentials(
    request: Request,
    context: TokenContext = Depends(scoped("write:accounts")),
    session: AsyncSession = Depends(db_session),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    me = account_of(context)
    p = await params(request)
    store = request.app.state.store

    async def image(name: str) -> bytes | None:
        upload = p.file(name)
        if upload is None:
            return None
        return await upload.read(settings.max_upload_bytes + 1) or None

    avatar, header = await image("avatar"), await image("header")
    await accounts.update_profile(
        session, me,
        display_name=p.optional_text("display_name", max_len=1000),
        bio=p.optional_text("note", max_len=10_000, multiline=True),
        avatar_key=await media.store_avatar(settings, store, me.id, avatar) if avatar else None,
        header_key=await media.store_header(settings, store, me.id, header) if header else None,
        locked=p.optional_flag("locked"),
        fields=profile_fields(p),
        delete_replaced=True,
    )
    await session.commit()
    body = entities.credential_account(me, base_url(settings),
                                       await follow_requests.count(session, me.id))
    return JSONResponse(body.model_dump(mode="json"))


# Mastodon's web client sends four entries (blank ones are dropped); so many are read.
FIELD_INDEXES = tuple(str(i) for i in range(accounts.MAX_FIELDS))


def profile_fields(p: Params) -> list[tuple[str, str]] | None:
    """`fields_attributes` as Mastodon takes it: a JSON list or object of {name, value}, or
    a form's fields_attributes[0][name]=...; None when not sent (fields stay as they are).
    Each part is refused with a 422 naming it (fields_attributes[1][value] ...)."""
    attributes = p.object("fields_attributes")
    if p.get("fields_attributes") is None and not attributes:
        return None
    if {key.split("[")[0] for key in attributes} - set(FIELD_INDEXES):  # form: 0[name]
        raise p.refuse("fields_attributes", f"at most {accounts.MAX_FIELDS} fields, "
                       f"numbered from 0 to {accounts.MAX_FIELDS - 1}")
    pairs = []
    for index in FIELD_INDEXES:
        one = attributes.object(index)
        name = one.text("name", max_len=accounts.MAX_FIELD_TEXT)
        value = one.text("value", max_len=accounts.MAX_FIELD_TEXT)
        if name.strip() or value.strip():
            pairs.append((name, value))
    return pairs

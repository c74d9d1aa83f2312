"""Web Push subscriptions: /api/v1/push/subscription, one per access token (`push` scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon.api.mastodon.deps import ApiError, Params, account_of, bearer, params, scoped
from salon.oauth.service import TokenContext
from salon.push import service as push
from salon.push import vapid
from salon.push.models import PushSubscription
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter(prefix="/api/v1/push/subscription")
PATH = ""


def entity(subscription: PushSubscription, settings: Settings) -> dict[str, Any]:
    """Mastodon's WebPushSubscription."""
    alerts = subscription.alerts or {}
    return {
        "id": str(subscription.id), "endpoint": subscription.endpoint,
        "standard": subscription.standard,
        "alerts": {name: bool(alerts.get(name)) for name in push.ALERTS},
        "policy": subscription.policy, "server_key": vapid.keys(settings).public,
    }


def _data(p: Params) -> tuple[dict[str, bool], str]:
    """data[alerts][...] and data[policy] (also taken at the top level, as older apps send
    it); alerts not named are off, as on Mastodon."""
    data = p.object("data")
    given = data.object("alerts")
    alerts = {name: True for name in push.ALERTS if given.flag(name)}
    policy = data.choice("policy", push.POLICIES, "") if data.given("policy") else \
        p.choice("policy", push.POLICIES, "all")
    return alerts, policy


async def _mine(session: AsyncSession, context: TokenContext) -> PushSubscription:
    found = await push.of_token(session, context.token.id)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


@router.post(PATH)
async def create(request: Request, context: TokenContext = Depends(scoped("push")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    p = await params(request)
    given = p.object("subscription")
    endpoint = given.text("endpoint", max_len=4096)
    if not endpoint:
        raise given.refuse("endpoint", "the push service's URL")
    keys = given.object("keys")
    checked = push.check_keys(keys.text("p256dh", max_len=200), keys.text("auth", max_len=100))
    alerts, policy = _data(p)
    subscription = await push.subscribe(
        session, settings, account_id=account_of(context).id, token_id=context.token.id,
        token=bearer(request) or "", endpoint=endpoint, keys=checked,
        standard=given.flag("standard"), alerts=alerts, policy=policy,
    )
    await session.commit()
    return JSONResponse(entity(subscription, settings))


@router.get(PATH)
async def show(context: TokenContext = Depends(scoped("push")),
               session: AsyncSession = Depends(db_session),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    return JSONResponse(entity(await _mine(session, context), settings))


@router.put(PATH)
async def change(request: Request, context: TokenContext = Depends(scoped("push")),
                 session: AsyncSession = Depends(db_session),
                 settings: Settings = Depends(get_settings)) -> JSONResponse:
    subscription = await _mine(session, context)
    alerts, policy = _data(await params(request))
    await push.update(session, subscription, alerts, policy)
    await session.commit()
    return JSONResponse(entity(subscription, settings))


@router.delete(PATH)
async def remove(context: TokenContext = Depends(scoped("push")),
                 session: AsyncSession = Depends(db_session)) -> JSONResponse:
    await push.unsubscribe(session, context.token.id)
    await session.commit()
    return JSONResponse({})

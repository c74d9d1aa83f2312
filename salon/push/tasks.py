"""Delivering one notification to one subscription: the `push.deliver` job.

The job is durable: a 429, a 5xx or a network error raises, and the job system retries it
with backoff; a 404 or 410 (the subscription is gone at the push service) deletes the
subscription; an endpoint that now resolves to a private address is refused and deleted.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon import outbound
from salon.accounts.models import Account
from salon.graph import service as graph
from salon.jobs.worker import handler
from salon.media.store import absolute_url, media_store
from salon.notifications import service as notifications
from salon.notifications.service import NotificationView
from salon.oauth.models import OAuthToken
from salon.push import ece, service, vapid
from salon.push.models import PushSubscription
from salon.settings import Settings, get_settings
from salon.timelines.schemas import Cursor

log = logging.getLogger("salon.push")
TTL = 48 * 3600  # seconds the push service keeps a message for a device that is away
BODY_CHARS = 140
GONE = (404, 410)
TITLES = {
    "mention": "{name} mentioned you", "status": "{name} just posted",
    "reblog": "{name} boosted your post", "follow": "{name} followed you",
    "follow_request": "{name} requested to follow you",
    "favourite": "{name} favourited your post", "poll": "A poll has ended",
    "update": "{name} edited a post", "quote": "{name} quoted your post",
    "salon.remix": "{name} remixed your picture", "admin.sign_up": "{name} signed up",
    "admin.report": "New report from {name}",
}


class Undelivered(Exception):
    """The push service will take it later (429, 5xx): the job is retried with backoff."""


def _icon(settings: Settings, account: Account) -> str:
    base = settings.base_url.rstrip("/")
    if account.avatar_key and account.suspended_at is None:
        return absolute_url(media_store(settings), account.avatar_key, base)
    return f"{base}/static/avatar.svg"


def _body(view: NotificationView) -> str:
    if view.post is not None:
        text = view.post.post.spoiler_text or view.post.post.text
    else:
        text = view.from_account.bio
    text = " ".join(text.split())
    return text if len(text) <= BODY_CHARS else text[:BODY_CHARS - 1] + "…"


def payload(settings: Settings, subscription: PushSubscription, view: NotificationView
            ) -> dict[str, Any]:
    """What Mastodon sends (Web::NotificationSerializer); the id as a string, since Salon's
    ids do not fit a JavaScript number."""
    kind = service.alert_of(view.type)
    name = view.from_account.display_name or view.from_account.username
    return {
        "access_token": service.unseal(settings, subscription.sealed_token),
        "preferred_locale": "en",
        "notification_id": str(view.id),
        "notification_type": kind,
        "icon": _icon(settings, view.from_account),
        "title": TITLES.get(kind, "{name}").format(name=name),
        "body": _body(view),
    }


async def _allowed(session: AsyncSession, subscription: PushSubscription,
                   view: NotificationView) -> bool:
    """The alerts and the policy (whose notifications: everyone's, the accounts the person
    follows, their followers', nobody's) as the subscription says now."""
    if not service.wants(subscription, view.type):
        return False
    me, them = subscription.account_id, view.from_account.id
    match subscription.policy:
        case "all":
            return True
        case "followed":
            return await graph.is_following(session, me, them)
        case "follower":
            return await graph.is_following(session, them, me)
    return False


def request_for(settings: Settings, subscription: PushSubscription, message: bytes
                ) -> tuple[bytes, dict[str, str]]:
    """The encrypted body and headers: RFC 8291/8292 for `standard` subscriptions, the
    drafts (aesgcm, `WebPush` authorization) for the others, as Mastodon does."""
    keys = vapid.keys(settings)
    ua_public, auth = ece.b64decode(subscription.key_p256dh), ece.b64decode(subscription.key_auth)
    headers = {"Content-Type": "application/octet-stream", "TTL": str(TTL),
               "Urgency": "normal"}
    subject = vapid.subject(settings)
    if subscription.standard:
        sealed = ece.encrypt(message, ua_public, auth)
        headers |= {"Content-Encoding": "aes128gcm",
                    "Authorization": keys.authorization(subscription.endpoint, subject)}
    else:
        sealed = ece.encrypt_legacy(message, ua_public, auth)
        headers |= {"Content-Encoding": "aesgcm",
                    "Encryption": f"salt={ece.b64encode(sealed.salt)}",
                    "Crypto-Key": f"dh={ece.b64encode(sealed.server_public)};"
                                  f"p256ecdsa={keys.public}",
                    "Authorization": "WebPush " + keys.token(subscription.endpoint, subject)}
    return sealed.body, headers


async def post(settings: Settings, endpoint: str, body: bytes, headers: dict[str, str]
               ) -> int:
    """POST to the endpoint at an address checked now; the answer's body is not read."""
    sent = await outbound.send("POST", endpoint, allow_private=settings.push_allow_private,
                               seconds=settings.push_timeout, headers=headers, content=body)
    return sent.status


@handler(service.DELIVER)
async def deliver(session: AsyncSession, payload_in: dict[str, Any]) -> None:
    settings = get_settings()
    subscription = await session.get(PushSubscription, int(payload_in["subscription_id"]))
    if subscription is None:
        return
    token = await session.get(OAuthToken, subscription.token_id)
    owner = await session.get(Account, subscription.account_id)
    if token is None or token.revoked_at is not None or owner is None:
        await session.delete(subscription)
        return
    if owner.suspended_at is not None:
        return
    wanted = int(payload_in["notification_id"])
    # Read as the notifications API reads it: blocks, mutes, suspensions and the post's
    # visibility now, so nothing is pushed that the app could not show.
    page = await notifications.page(session, owner.id, Cursor(max_id=wanted + 1, limit=1))
    view = next((v for v in page.items if v.id == wanted), None)
    if view is None or not await _allowed(session, subscription, view):
        return
    message = json.dumps(payload(settings, subscription, view)).encode()
    body, headers = request_for(settings, subscription, message)
    try:
        status = await post(settings, subscription.endpoint, body, headers)
    except outbound.Refused as refused:
        log.warning("push subscription %s ended: %s", subscription.id, refused)
        await session.delete(subscription)
        return
    if status in GONE:
        log.info("push subscription %s ended: its endpoint answered %s", subscription.id,
                 status)
        await session.delete(subscription)
    elif status == 408 or status == 429 or status >= 500:
        raise Undelivered(f"the push service answered {status}")
    elif status >= 300:
        log.warning("push %s to subscription %s refused with %s; not retried", wanted,
                    subscription.id, status)

"""Subscriptions (one per access token) and which notifications become pushes."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon import outbound
from salon.errors import Invalid
from salon.jobs import service as jobs
from salon.push import ece
from salon.push.models import PushSubscription
from salon.settings import Settings

DELIVER = "push.deliver"
ENDPOINT = "subscription[endpoint]"  # the field a bad address is named by
# Alerts an app may ask for (Mastodon's, quote from 4.5, and Salon's remix); all off unless
# asked for, as on Mastodon.
ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
          "update", "admin.sign_up", "admin.report", "quote", "salon.remix")
POLICIES = ("all", "followed", "follower", "none")
# Salon's notification types that Mastodon names otherwise.
ALERT_OF = {"reply": "mention"}


@dataclass(frozen=True)
class Keys:
    p256dh: str
    auth: str


def check_keys(p256dh: str, auth: str) -> Keys:
    """The subscription's keys, checked: a P-256 point and a 16-byte secret."""
    try:
        ece.load_public(ece.b64decode(p256dh))
    except ValueError:
        raise Invalid("subscription[keys][p256dh] must be the base64 of an uncompressed "
                      "P-256 public key.", "subscription[keys][p256dh]") from None
    try:
        secret = ece.b64decode(auth)
    except ValueError:
        secret = b""
    if len(secret) != 16:
        raise Invalid("subscription[keys][auth] must be the base64 of 16 bytes.",
                      "subscription[keys][auth]")
    return Keys(ece.b64encode(ece.b64decode(p256dh)), ece.b64encode(secret))


# --- the access token, sealed -----------------------------------------------------------------
# Mastodon puts the subscribing token in each payload (apps act with it). Salon keeps tokens
# only as hashes, so the subscription keeps this one sealed (AES-GCM) under a key derived
# from SALON_SECRET_KEY: a copy of the database alone does not reveal it.

def _sealing_key(settings: Settings) -> bytes:
    return hashlib.sha256(b"salon push token\x00" + settings.secret_key.encode()).digest()


def seal(settings: Settings, token: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(settings)).encrypt(nonce, token.encode(), b"push")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(settings: Settings, sealed: str) -> str:
    """The token, or "" when it cannot be opened (the secret key changed)."""
    try:
        raw = base64.urlsafe_b64decode(sealed)
        return AESGCM(_sealing_key(settings)).decrypt(raw[:12], raw[12:], b"push").decode()
    except (ValueError, InvalidTag):
        return ""


# --- subscriptions ----------------------------------------------------------------------------

async def subscribe(
    session: AsyncSession, settings: Settings, *, account_id: int, token_id: int, token: str,
    endpoint: str, keys: Keys, standard: bool, alerts: dict[str, bool], policy: str,
) -> PushSubscription:
    """The token's subscription, replacing the one it had (one per token, as on Mastodon)."""
    outbound.check_url(endpoint, settings.push_allow_private, ENDPOINT, "a push service")
    await unsubscribe(session, token_id)
    subscription = PushSubscription(
        account_id=account_id, token_id=token_id, endpoint=endpoint, key_p256dh=keys.p256dh,
        key_auth=keys.auth, standard=standard, alerts=alerts, policy=policy,
        sealed_token=seal(settings, token),
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def of_token(session: AsyncSession, token_id: int) -> PushSubscription | None:
    return await session.scalar(
        select(PushSubscription).where(PushSubscription.token_id == token_id)
    )


async def update(session: AsyncSession, subscription: PushSubscription,
                 alerts: dict[str, bool], policy: str) -> PushSubscription:
    subscription.alerts = alerts
    subscription.policy = policy
    await session.flush()
    return subscription


async def unsubscribe(session: AsyncSession, token_id: int) -> None:
    await end_for_tokens(session, [token_id])


async def end_for_tokens(session: AsyncSession, token_ids: list[int]) -> None:
    """Revoked tokens' subscriptions end with them."""
    if token_ids:
        await session.execute(
            delete(PushSubscription).where(PushSubscription.token_id.in_(token_ids))
        )


def alert_of(notification_type: str) -> str:
    return ALERT_OF.get(notification_type, notification_type)


def wants(subscription: PushSubscription, notification_type: str) -> bool:
    return bool((subscription.alerts or {}).get(alert_of(notification_type)))


async def enqueue_for(session: AsyncSession, notification: Any) -> int:
    """A delivery job for each of the recipient's subscriptions that asked for this kind
    of notification (the policy is checked at delivery, with the alerts again)."""
    found = list(await session.scalars(
        select(PushSubscription).where(PushSubscription.account_id == notification.account_id)
    ))
    queued = 0
    for subscription in found:
        if wants(subscription, notification.type) and subscription.policy != "none":
            jobs.enqueue(session, DELIVER, {"subscription_id": subscription.id,
                                            "notification_id": notification.id},
                         max_attempts=5)
            queued += 1
    return queued

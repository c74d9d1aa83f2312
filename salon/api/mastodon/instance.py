"""What a client asks first: the instance, its limits and its software (nodeinfo)."""

from __future__ import annotations

import html
import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon import __version__
from salon.accounts import activity
from salon.accounts import service as accounts
from salon.api.mastodon import entities
from salon.api.mastodon.deps import ApiError, base_url
from salon.db.ids import utcnow
from salon.generation import engines
from salon.generation.service import MAX_PROMPT
from salon.posts import interactions
from salon.posts import service as posts
from salon.posts.languages import LANGUAGES
from salon.push import vapid
from salon.settings import Settings
from salon.tags import service as tags
from salon.web.deps import db_session, get_settings

router = APIRouter()
# Mastodon apps parse the version to decide what they may use; say which Mastodon we match.
MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; Salon {__version__})"
STARTED = utcnow()  # when this process read its settings
IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"]


def _host(settings: Settings) -> str:
    return settings.base_url.split("://", 1)[-1].rstrip("/")


def _configuration(settings: Settings) -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": tags.MAX_FEATURED,
                     "max_pinned_statuses": interactions.MAX_PINS},
        "statuses": {"max_characters": settings.max_post_chars,
                     "max_media_attachments": settings.max_media_per_post,
                     "characters_reserved_per_url": 23},
        "media_attachments": {"supported_mime_types": IMAGE_TYPES,
                              "image_size_limit": settings.max_upload_bytes,
                              "image_matrix_limit": settings.max_image_pixels,
                              "video_size_limit": 0, "video_frame_rate_limit": 0,
                              "video_matrix_limit": 0, "description_limit": 1500},
        "polls": {"max_options": 4, "max_characters_per_option": 50,
                  "min_expiration": settings.poll_min_seconds,
                  "max_expiration": settings.poll_max_seconds},
        "translation": {"enabled": False},
    }


def rules(settings: Settings) -> list[dict[str, str]]:
    """The server's rules from SALON_RULES, one a line; ids are their positions."""
    lines = [line.strip() for line in settings.rules.splitlines() if line.strip()]
    return [{"id": str(n), "text": text, "hint": ""} for n, text in enumerate(lines, 1)]


def _paths(path: str) -> list[str]:
    """Mastodon answers with and without a trailing slash (Mastodon.py asks with one)."""
    return [path, path + "/"]


async def _stats(session: AsyncSession) -> tuple[int, int]:
    return await accounts.count_active(session), await posts.count_local(session)


def _imagine(settings: Settings) -> dict[str, Any]:
    """What Imagine offers here (Salon's extension): each engine with its capabilities."""
    offered = engines.enabled(settings)
    return {
        "default_engine": settings.default_engine,
        "daily_quota": settings.generation_daily_quota,
        "max_prompt_characters": MAX_PROMPT,
        "engines": [{
            "name": name, "model": e.model, "label": e.label,
            "text_to_image": e.capabilities.text_to_image,
            "image_to_image": e.capabilities.image_to_image,
            "negative_prompt": e.capabilities.negative_prompt,
            "max_count": e.capabilities.max_count,
            "aspects": {a: list(size) for a, size in e.capabilities.sizes.items()},
            "styles": list(e.capabilities.styles),
            "seeds": e.capabilities.seeds, "previews": e.capabilities.previews,
            "default_steps": e.capabilities.default_steps,
            "default_guidance": e.capabilities.default_guidance,
        } for name, e in offered.items()],
    }


async def instance_v2(settings: Settings = Depends(get_settings),
                      session: AsyncSession = Depends(db_session)) -> JSONResponse:
    users, _ = await _stats(session)
    base = base_url(settings)
    return JSONResponse({
        "domain": _host(settings), "title": settings.instance_name, "version": VERSION,
        "source_url": "https://example.invalid/salon",
        "description": f"{settings.instance_name}: make pictures, share them, remix each "
                       "other.",
        "usage": {"users": {"active_month": users}},
        "thumbnail": {"url": f"{base}/static/favicon.svg"},
        "icon": [], "languages": ["en"],
        "configuration": {"urls": {"streaming": base.replace("http", "ws", 1)},
                          "vapid": {"public_key": vapid.keys(settings).public},
                          **_configuration(settings)},
        "registrations": {"enabled": settings.registrations_open,
                          "approval_required": settings.registrations_approval,
                          "message": None, "url": None},
        "api_versions": {"mastodon": 2},
        "salon": _imagine(settings),
        "contact": {"email": "", "account": None},
        "rules": rules(settings),
    })


async def instance_v1(settings: Settings = Depends(get_settings),
                      session: AsyncSession = Depends(db_session)) -> JSONResponse:
    users, statuses = await _stats(session)
    base = base_url(settings)
    return JSONResponse({
        "uri": _host(settings), "title": settings.instance_name,
        "short_description": "Make pictures, share them, remix each other.",
        "description": "", "email": "", "version": VERSION,
        "urls": {"streaming_api": base.replace("http", "ws", 1)},
        "stats": {"user_count": users, "status_count": statuses, "domain_count": 1},
        "thumbnail": f"{base}/static/favicon.svg", "languages": ["en"],
        "registrations": settings.registrations_open,
        "approval_required": settings.registrations_approval,
        "invites_enabled": False, "configuration": _configuration(settings),
        "contact_account": None, "rules": rules(settings),
    })


for _version, _answer in (("v1", instance_v1), ("v2", instance_v2)):
    for _path in _paths(f"/api/{_version}/instance"):
        router.add_api_route(_path, _answer, methods=["GET"],
                             include_in_schema=not _path.endswith("/"))


@router.get("/api/v1/instance/rules")
async def instance_rules(settings: Settings = Depends(get_settings)) -> JSONResponse:
    return JSONResponse(rules(settings))


@router.get("/api/v1/instance/extended_description")
async def extended_description(settings: Settings = Depends(get_settings)) -> JSONResponse:
    """SALON_EXTENDED_DESCRIPTION as HTML paragraphs (escaped: it is plain text); dated
    when this process read its settings, the last time it can have changed."""
    return JSONResponse({"updated_at": entities.timestamp(STARTED),
                         "content": paragraphs(settings.extended_description)})


def paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs (split by blank lines), escaped."""
    found = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + "<br>".join(html.escape(line) for line in p.splitlines())
                   + "</p>" for p in found)


# What Salon keeps, said plainly, for an instance that has not written its own policy (as
# Mastodon ships a default one).
DEFAULT_PRIVACY_POLICY = """\
{name} keeps what you give it to run your account: your username, password (hashed, never \
readable), display name, bio, profile fields, avatar and header pictures, and settings.

It keeps what you post (texts, pictures you upload and their descriptions, polls, pictures \
you generate and their prompts) and what you do with others' posts: follows, likes, \
reposts, bookmarks, blocks, mutes, lists, filters and reports. Public and unlisted posts can \
be seen by anyone; followers-only and direct posts by those they are for, and by the \
moderators when a post is reported.

To keep you signed in it stores your sign-in sessions and the apps you authorise, with the \
browser's name and when each was last used. Addresses you connect from are used only in \
memory to limit abuse, not stored with your account.

Deleting a post deletes it and its pictures; deleting a picture you have not posted deletes \
its files. Ask the administrators of {name} to delete your account and everything in it."""


@router.get("/api/v1/instance/privacy_policy")
async def privacy_policy(settings: Settings = Depends(get_settings)) -> JSONResponse:
    """SALON_PRIVACY_POLICY as HTML paragraphs (escaped plain text, as the extended
    description), or a short default saying what Salon stores."""
    text = settings.privacy_policy.strip() or DEFAULT_PRIVACY_POLICY.format(
        name=settings.instance_name)
    return JSONResponse({"updated_at": entities.timestamp(STARTED),
                         "content": paragraphs(text)})


@router.get("/api/v1/instance/languages")
async def instance_languages() -> JSONResponse:
    return JSONResponse([{"code": code, "name": name} for code, name in LANGUAGES.items()])


ACTIVITY_SECONDS = 600.0  # the weekly figures are kept this long (Mastodon keeps a day's)


@router.get("/api/v1/instance/activity")
async def instance_activity(request: Request, session: AsyncSession = Depends(db_session)
                            ) -> JSONResponse:
    """Posts, people who signed in, and sign-ups per week, this week first, 12 weeks; kept
    by the process for ten minutes, so asking often costs nothing."""
    now = time.monotonic()
    kept: tuple[float, list[dict[str, str]]] | None = getattr(
        request.app.state, "instance_activity", None)
    if kept is None or kept[0] < now:
        weeks = await activity.weekly(session)
        kept = request.app.state.instance_activity = (now + ACTIVITY_SECONDS, [{
            "week": str(int(w.start.timestamp())), "statuses": str(w.statuses),
            "logins": str(w.logins), "registrations": str(w.registrations),
        } for w in weeks])
    return JSONResponse(kept[1])


@router.get("/api/v1/instance/peers")
async def instance_peers() -> JSONResponse:
    return JSONResponse([])  # no federation yet: no other servers are known


@router.get("/api/v1/instance/translation_languages")
async def translation_languages() -> JSONResponse:
    return JSONResponse({})  # no translation service


@router.get("/api/v1/instance/domain_blocks")
async def domain_blocks() -> JSONResponse:
    # Mastodon answers 404 while the list is not shown, its default; Salon blocks no domains.
    raise ApiError(404, "Record not found")


@router.get("/.well-known/nodeinfo")
async def nodeinfo_index(settings: Settings = Depends(get_settings)) -> JSONResponse:
    base = base_url(settings)
    return JSONResponse({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                                    "href": f"{base}/nodeinfo/2.0"}]})


@router.get("/nodeinfo/2.0")
async def nodeinfo(settings: Settings = Depends(get_settings),
                   session: AsyncSession = Depends(db_session)) -> JSONResponse:
    users, statuses = await _stats(session)
    return JSONResponse({
        "version": "2.0",
        "software": {"name": "salon", "version": __version__},
        "protocols": [], "services": {"outbound": [], "inbound": []},
        "usage": {"users": {"total": users, "activeMonth": users, "activeHalfyear": users},
                  "localPosts": statuses},
        "openRegistrations": settings.registrations_open,
        "metadata": {"nodeName": settings.instance_name},
    })



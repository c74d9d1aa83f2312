"""What a client asks first: the instance, its limits and its software (nodeinfo)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from salon import __version__
from salon.accounts import service as accounts
from salon.api.mastodon.deps import base_url
from salon.generation import engines
from salon.generation.service import MAX_PROMPT
from salon.posts import service as posts
from salon.push import vapid
from salon.settings import Settings
from salon.web.deps import db_session, get_settings

router = APIRouter()
# Mastodon apps parse the version to decide what they may use; say which Mastodon we match.
MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; Salon {__version__})"
IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"]


def _host(settings: Settings) -> str:
    return settings.base_url.split("://", 1)[-1].rstrip("/")


def _configuration(settings: Settings) -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
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
        "rules": [],
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
        "contact_account": None, "rules": [],
    })


for _version, _answer in (("v1", instance_v1), ("v2", instance_v2)):
    for _path in _paths(f"/api/{_version}/instance"):
        router.add_api_route(_path, _answer, methods=["GET"],
                             include_in_schema=not _path.endswith("/"))


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



"""What every entity shares: the base model, Mastodon's timestamp format, and addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from salon.accounts.models import Account
from salon.media.store import absolute_url, media_store
from salon.settings import get_settings

_LINK_RE = re.compile(r"<a\s[^>]*>", re.IGNORECASE)
_HREF_RE = re.compile(r'href="/tags/([^"/?#]+)"')
_RELATIVE_HREF_RE = re.compile(r'href="/(?!/)')


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Attributes Mastodon sends only when they apply: dropped from the JSON when None.
    omit_when_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in self.omit_when_none:
            if data.get(name, 0) is None:
                del data[name]
        return data


# --- formats --------------------------------------------------------------------------------


def timestamp(at: datetime) -> str:
    """Mastodon's Datetime: UTC, milliseconds, "Z" ("2026-11-25T07:43:26.123Z")."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def maybe_timestamp(at: datetime | None) -> str | None:
    return timestamp(at) if at is not None else None


def _base(base: str) -> str:
    return base.rstrip("/")


def static_url(base: str, name: str) -> str:
    return f"{_base(base)}/static/{name}"


def media_url(base: str, key: str) -> str:
    # The running app's store builds it (configure() made its settings current), so the
    # API names the same address as the pages: this site's /media or the object store's.
    return absolute_url(media_store(get_settings()), key, base)


def account_url(base: str, acc: Account) -> str:
    return f"{_base(base)}/@{acc.username}"


def status_url(base: str, username: str, post_id: int) -> str:
    return f"{_base(base)}/@{username}/{post_id}"


def status_uri(base: str, username: str, post_id: int) -> str:
    return f"{_base(base)}/users/{username}/statuses/{post_id}"


def absolute_links(markup: str, base: str) -> str:
    """Our HTML links mentions and tags by path ("/@bob"); apps need whole addresses."""
    return _RELATIVE_HREF_RE.sub(f'href="{_base(base)}/', markup)


def tag_names(markup: str) -> list[str]:
    """Hashtags linked in rendered post HTML (links with class "hashtag"), in order, unique."""
    seen: dict[str, None] = {}
    for link in _LINK_RE.findall(markup):
        if re.search(r'class="[^"]*\bhashtag\b', link) and (found := _HREF_RE.search(link)):
            seen.setdefault(found.group(1).lower(), None)
    return list(seen)

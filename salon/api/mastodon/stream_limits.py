"""What a streaming client may ask for: typed subscription messages, and how many
streams one process holds open for one client address or one access token."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from salon.api.mastodon.deps import ApiError
from salon.settings import Settings

MESSAGE_MAX = 4096  # characters in one WebSocket message; Mastodon's are a few dozen
StreamName = Literal["user", "user:notification", "public", "public:local", "public:media",
                     "public:local:media", "hashtag", "hashtag:local"]
_TAG = re.compile(r"\w{1,100}")  # as posts/text.py finds hashtags


def hashtag(raw: str | None) -> str | None:
    """A hashtag parameter as streams name it (lower case, no '#'), or 422."""
    if raw is None:
        return None
    tag = raw.lower().removeprefix("#")
    if tag and not _TAG.fullmatch(tag):
        raise ApiError(422, "A hashtag is 1 to 100 letters, digits or underscores.")
    return tag or None


class Subscription(BaseModel):
    """{"type": "subscribe" | "unsubscribe", "stream": ..., "tag": ..., "list": ...}"""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["subscribe", "unsubscribe"]
    stream: StreamName
    tag: Annotated[str, StringConstraints(max_length=101)] | None = None
    list: Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")] | None = None


def subscription(text: str) -> Subscription:
    """A client's message, or 400 with what to change."""
    if len(text) > MESSAGE_MAX:
        raise ApiError(400, f"Messages are at most {MESSAGE_MAX} characters.")
    try:
        message = Subscription.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:  # not JSON, or not a subscription
        detail = exc.errors(include_url=False, include_input=False)[0]["msg"] if isinstance(
            exc, ValidationError) else "not JSON"
        raise ApiError(400, f"Send {{\"type\": \"subscribe\", \"stream\": ...}}: {detail}."
                       ) from None
    return message.model_copy(update={"tag": hashtag(message.tag)})


class Hold:
    """One open stream counted against its address and token, until released (once)."""

    def __init__(self, listeners: Listeners, keys: list[str]) -> None:
        self._listeners, self._keys = listeners, keys

    def release(self) -> None:
        keys, self._keys = self._keys, []
        for key in keys:
            self._listeners.open[key] -= 1
            if self._listeners.open[key] <= 0:
                del self._listeners.open[key]


class Listeners:
    """Open streams of this process, per client address and per token."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.open: Counter[str] = Counter()

    def admit(self, address: str, token_id: int | None) -> Hold:
        """Count one more stream, or 429 when the address or the token has its fill."""
        keys = {f"address:{address}": self.settings.streaming_per_address}
        if token_id is not None:
            keys[f"token:{token_id}"] = self.settings.streaming_per_token
        for key, limit in keys.items():
            if self.open[key] >= limit:
                who = "address" if key.startswith("address:") else "access token"
                raise ApiError(429, f"Too many streams open for this {who} (at most {limit}): "
                                    "close one first.")
        for key in keys:
            self.open[key] += 1
        return Hold(self, list(keys))

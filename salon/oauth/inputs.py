"""The OAuth endpoints' parameters, checked before anything uses them.

A value of the wrong JSON type, a NUL character (PostgreSQL refuses it in text), a lone
surrogate (it has no UTF-8, so it cannot be hashed or stored) or a huge value is the
client's mistake: answered 4xx naming the field, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from salon.errors import Invalid, SalonError
from salon.oauth.service import OAuthError

LIMIT = 2000  # characters: longer than any id, secret, code, URI or scope list we issue


def problem(value: object, name: str, limit: int = LIMIT) -> str | None:
    """What is wrong with `value` as the text of parameter `name`, or None."""
    if not isinstance(value, str):
        return f"{name} must be a string."
    if len(value) > limit:
        return f"{name} must be at most {limit} characters."
    if "\x00" in value:
        return f"{name} must not contain NUL characters."
    try:
        value.encode()
    except UnicodeEncodeError:
        return f"{name} must be valid Unicode text."
    return None


Refuse = Callable[[str, str], SalonError]  # (field, message) -> the error to raise


def oauth_refusal(field: str, message: str) -> SalonError:
    """RFC 6749's answer to a malformed request: invalid_request, described."""
    return OAuthError("invalid_request", message)


def registration_refusal(field: str, message: str) -> SalonError:
    """RFC 7591's answer to bad client metadata: invalid_redirect_uri for the redirect URIs,
    invalid_client_metadata for anything else."""
    return OAuthError("invalid_redirect_uri" if field == "redirect_uris"
                      else "invalid_client_metadata", message)


def api_refusal(field: str, message: str) -> SalonError:
    """The Mastodon API's answer: 422 with the message."""
    return Invalid(message, field)


class Params:
    """One request's parameters, read through checks that raise `refuse(field, message)`."""

    def __init__(self, raw: dict[str, Any], refuse: Refuse) -> None:
        self.raw = raw
        self.refuse = refuse

    def text(self, name: str, limit: int = LIMIT) -> str | None:
        """The parameter as text; None when absent or null."""
        value = self.raw.get(name)
        if value is None:
            return None
        self.check(value, name, limit)
        return str(value)

    def texts(self, name: str, limit: int = LIMIT) -> str | list[str] | None:
        """Text, or a list of texts (`name[]=…` in a form, an array in JSON)."""
        value = self.raw.get(name)
        if not isinstance(value, list):
            return self.text(name, limit)
        if len(value) > 100:
            raise self.refuse(name, f"{name} may have at most 100 entries.")
        for item in value:
            self.check(item, name, limit)
        return [str(item) for item in value]

    def check(self, value: object, name: str, limit: int = LIMIT) -> None:
        found = problem(value, name, limit)
        if found:
            raise self.refuse(name, found)

"""OAuth scopes as Mastodon defines them: top-level read / write / follow / push / profile
and their sub-scopes (read:statuses, write:media, ...). A granted top-level scope covers its
sub-scopes; the legacy `follow` covers reading and writing follows, blocks and mutes.

The admin scopes (admin:read, admin:write and their sub-scopes such as admin:read:accounts)
stand apart: `read` does not cover them, and, as Mastodon, a token may carry them whoever
authorized it, but the admin API answers 403 unless its account is a moderator."""

from __future__ import annotations

from collections.abc import Iterable

from salon.errors import Invalid

TOP = ("read", "write", "follow", "push", "profile")
SUB = {
    "read": ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
             "mutes", "notifications", "search", "statuses"),
    "write": ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
              "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"),
}
ADMIN_PREFIX = "admin:"
# Mastodon's admin sub-scopes (those Salon has no endpoints for can still be asked for).
ADMIN_SUB = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
             "email_domain_blocks", "canonical_email_blocks")
ADMIN = tuple(f"{ADMIN_PREFIX}{top}" for top in ("read", "write"))
FOLLOW_COVERS = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})
KNOWN = (frozenset(TOP) | {f"{top}:{sub}" for top, subs in SUB.items() for sub in subs}
         | set(ADMIN) | {f"{top}:{sub}" for top in ADMIN for sub in ADMIN_SUB})


def parse(raw: str | Iterable[str] | None, default: str = "read") -> list[str]:
    """Scopes from a space- or plus-separated string (or a list); unknown ones are refused."""
    if raw is None or raw == "":
        raw = default
    words = raw.replace("+", " ").split() if isinstance(raw, str) else list(raw)
    unknown = [w for w in words if w not in KNOWN]
    if unknown:
        raise Invalid(f"Unknown scope: {', '.join(unknown)}. Use read, write, follow, push, "
                      "profile, admin:read, admin:write or their sub-scopes such as "
                      "read:statuses.", "scope")
    return list(dict.fromkeys(words))


def covers(granted: Iterable[str], needed: str) -> bool:
    """Does a token with `granted` scopes allow an endpoint that needs `needed`?"""
    have = set(granted)
    if needed in have:
        return True
    if needed.startswith(ADMIN_PREFIX):  # admin:read covers admin:read:accounts, no more
        return needed.count(":") == 2 and needed.rsplit(":", 1)[0] in have
    top = needed.split(":", 1)[0]
    if ":" in needed and top in have:
        return True
    if "follow" in have and needed in FOLLOW_COVERS:
        return True
    # `profile` is the narrow form of read:accounts for verify_credentials.
    return needed == "profile" and bool(have & {"read", "read:accounts"})


def within(requested: Iterable[str], allowed: Iterable[str]) -> bool:
    """Are the requested scopes all among (or covered by) the app's registered scopes?"""
    allowed = list(allowed)
    return all(covers(allowed, scope) for scope in requested)

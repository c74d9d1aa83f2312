"""The Mastodon-compatible API's routers, mounted before the web UI's. Each route declares
its scope (deps.token or deps.scoped) or is on PUBLIC: the import fails otherwise."""

from collections.abc import Iterable

from starlette.routing import BaseRoute

from salon.api.mastodon import (
    accounts,
    admin,
    assistant,
    consent,
    conversations,
    discovery,
    extras,
    filters,
    for_you,
    generations,
    graph,
    grouped_notifications,
    instance,
    lists,
    media,
    notification_requests,
    notifications,
    oauth,
    push,
    scheduled,
    sentence_feeds,
    similar,
    statuses,
    streaming,
    tags,
    timelines,
    webfinger,
)
from salon.api.mastodon.deps import route_scope

# Tried in this order: the timelines, read most, first (no two routers claim a path; the
# notification requests and policy before the notification lists, whose `/{id}` takes any
# one segment).
ROUTERS = [timelines.router, for_you.router, lists.router, oauth.router, oauth.consent,
           instance.router, accounts.profile_router, graph.router, accounts.router, statuses.router,
           media.router, notification_requests.router, grouped_notifications.router,
           notifications.router, notifications.markers, discovery.router,
           tags.router, streaming.router, extras.router, generations.router, webfinger.router,
           filters.router, admin.router, scheduled.router, conversations.router, push.router,
           assistant.router, similar.router, sentence_feeds.router, consent.router]

# Routes that read and change nothing of any account, so need no scope; the consent page is
# for a person signed in by cookie (with CSRF), not a token.
PUBLIC = frozenset({
    "/api/v1/apps", "/oauth/register", "/oauth/token", "/oauth/revoke", "/oauth/authorize",
    "/oauth/authorize/",
    "/.well-known/oauth-authorization-server", "/.well-known/nodeinfo", "/nodeinfo/2.0",
    "/api/v1/instance", "/api/v1/instance/", "/api/v2/instance", "/api/v2/instance/",
    "/api/v1/custom_emojis", "/api/v1/announcements", "/api/v1/trends", "/api/v1/trends/tags",
    "/api/v1/streaming/health", "/.well-known/webfinger", "/.well-known/host-meta",
    "/api/v1/instance/rules", "/api/v1/instance/extended_description",
    "/api/v1/instance/languages", "/api/v1/instance/activity", "/api/v1/instance/peers",
    "/api/v1/instance/translation_languages", "/api/v1/instance/domain_blocks",
    "/api/v1/trends/links", "/api/v1/instance/privacy_policy",
})


def undeclared(routes: Iterable[BaseRoute]) -> list[str]:
    """Paths of routes that neither declare a scope nor are public."""
    return [path for route in routes if (path := getattr(route, "path", "")) not in PUBLIC
            and route_scope(route) is None]


if _missing := undeclared(route for router in ROUTERS for route in router.routes):
    raise RuntimeError(f"API routes without a declared scope: {', '.join(_missing)}")

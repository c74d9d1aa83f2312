"""The Mastodon-compatible API's routers, mounted before the web UI's."""

from salon.api.mastodon import (
    accounts,
    discovery,
    extras,
    generations,
    instance,
    media,
    notifications,
    oauth,
    statuses,
    streaming,
    timelines,
)

# Tried in this order: the timelines, read most, first (no two routers claim a path).
ROUTERS = [timelines.router, oauth.router, oauth.consent, instance.router,
           accounts.profile_router, accounts.router, statuses.router,
           media.router, notifications.router, notifications.markers, discovery.router,
           streaming.router, extras.router, generations.router]

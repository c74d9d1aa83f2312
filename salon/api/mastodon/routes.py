"""The Mastodon-compatible API's routers, mounted after the web UI's."""

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

ROUTERS = [oauth.router, oauth.consent, instance.router, accounts.profile_router,
           accounts.router, statuses.router,
           media.router, notifications.router, notifications.markers, discovery.router,
           timelines.router, streaming.router, extras.router, generations.router]

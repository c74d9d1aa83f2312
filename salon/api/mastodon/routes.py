"""The Mastodon-compatible API's routers, mounted after the web UI's."""

from salon.api.mastodon import (
    accounts,
    instance,
    media,
    notifications,
    oauth,
    statuses,
    timelines,
)

ROUTERS = [oauth.router, oauth.consent, instance.router, accounts.router, statuses.router,
           media.router, notifications.router,
           timelines.router]

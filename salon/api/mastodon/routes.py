"""The Mastodon-compatible API's routers, mounted after the web UI's."""

from salon.api.mastodon import instance, oauth

ROUTERS = [oauth.router, oauth.consent, instance.router]

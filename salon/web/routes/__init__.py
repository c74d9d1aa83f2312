"""The web UI's routers, in the order they are mounted."""

from salon.web.routes import accounts, admin, auth, feeds, posts

ROUTERS = [auth.router, feeds.router, posts.router, admin.router, accounts.router]

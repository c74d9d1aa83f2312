"""The web UI's routers, in the order they are mounted."""

from starlette.convertors import IntegerConvertor, register_url_convertor


class IdConvertor(IntegerConvertor):
    """Ids are 64-bit (see salon.db.ids): a number of 19 or more digits cannot name
    anything, so such a path does not match (404) instead of overflowing the database."""

    regex = "[0-9]{1,18}"


# Before the route modules below are imported: their `{x:int}` paths compile with it.
register_url_convertor("int", IdConvertor())

from salon.web.routes import (  # noqa: E402
    accounts,
    admin,
    auth,
    connected_apps,
    feeds,
    for_you,
    imagine,
    my_data,
    posts,
    sentence_feeds,
    similar,
)

# imagine before posts: its /posts/{id}/recipe must win over /posts/{id}/{action}.
ROUTERS = [auth.router, feeds.router, for_you.router, imagine.router, similar.router,
           posts.router, admin.router, accounts.router, sentence_feeds.router,
           connected_apps.router, my_data.router]

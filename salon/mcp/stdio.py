"""`salon mcp`: the same server for a local MCP client (Claude Desktop, an IDE) that starts
it as a subprocess and talks over stdin/stdout. It acts with a Salon access token of the
person (SALON_MCP_TOKEN or --token: a Mastodon API token, as apps get), checked on every
call as over HTTP; logs go to stderr, stdout is the protocol's."""

from __future__ import annotations

from salon.db.session import Database
from salon.mcp import server
from salon.mcp.acting import Runtime
from salon.settings import Settings


async def run(settings: Settings, token: str) -> None:
    db = Database(settings)
    rt = Runtime(settings, lambda: db, None, token)
    try:
        async with db.sessions() as session:
            found = await rt.caller(session)
        if found is None:
            raise SystemExit("salon mcp: that token is not a live token of an account "
                             "(revoked, or for another resource?)")
        await server.build(rt).run_stdio_async()
    finally:
        await db.dispose()

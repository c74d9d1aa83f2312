"""The MCP server: the official SDK's MCPServer with Salon's tools, listing to each caller
only the tools its token's scopes allow (each tool's scope is in its `_meta`, and the tool
checks it again when called: acting.py)."""

from __future__ import annotations

from typing import Any

from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp_types import ListToolsResult, PaginatedRequestParams

from salon import __version__
from salon.mcp import pictures, reading, writing
from salon.mcp.acting import Runtime
from salon.oauth import scopes as scope_rules

SCOPE = "salon/scope"  # the `_meta` key naming the OAuth scope a tool needs
INSTRUCTIONS = """Salon is a social network for making and sharing pictures. These tools act
as the signed-in person, with their visibility and limits: read their timelines (home,
For You with the reason for each post, public, hashtags, lists), threads and search; post,
reply, quote, edit and delete their own posts; like, repost, bookmark and follow; make
pictures from a prompt (generate_pictures shows the candidates; nothing is posted until
create_post is called with their picture_ids), remix a post's picture and read recipes.
Ids are strings of digits. Ask before posting, deleting or following on the person's
behalf."""

# Each tool's scope, as Mastodon's API asks for the same action.
SCOPES = {
    "whoami": "read:accounts", "read_timeline": "read:statuses",
    "read_thread": "read:statuses", "search": "read:search",
    "create_post": "write:statuses", "edit_post": "write:statuses",
    "delete_post": "write:statuses", "like_post": "write:favourites",
    "repost_post": "write:statuses", "bookmark_post": "write:bookmarks",
    "follow_account": "write:follows", "generate_pictures": "write:media",
    "read_recipe": "read:statuses", "read_notifications": "read:notifications",
    "explain_post": "read:statuses",  # as the API's explain: reads, posts nothing
    "read_lists": "read:lists",
}


class SalonMCP(MCPServer[Any]):
    def __init__(self, rt: Runtime, **kwargs: Any) -> None:
        super().__init__("Salon", title=rt.settings.instance_name, instructions=INSTRUCTIONS,
                         website_url=rt.settings.base_url, version=__version__, **kwargs)
        self.rt = rt

    async def _handle_list_tools(self, ctx: Any, params: PaginatedRequestParams | None
                                 ) -> ListToolsResult:
        async with self.rt.database().sessions() as session:
            caller = await self.rt.caller(session)
        granted = caller.scopes if caller is not None else []
        return ListToolsResult(tools=[
            t for t in await self.list_tools()
            if scope_rules.covers(granted, str((t.meta or {}).get(SCOPE, "")))])


def build(rt: Runtime, *, auth: AuthSettings | None = None,
          token_verifier: TokenVerifier | None = None) -> SalonMCP:
    server = SalonMCP(rt, auth=auth, token_verifier=token_verifier)
    reading.register(server, rt)
    writing.register(server, rt)
    pictures.register(server, rt)
    for tool in server._tool_manager.list_tools():
        tool.meta = {**(tool.meta or {}), SCOPE: SCOPES[tool.name]}
    return server

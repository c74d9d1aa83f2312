"""Salon inside chat assistants: a Model Context Protocol server (the official SDK), mounted
at PATH on `salon serve` (streamable HTTP, OAuth: Salon's authorization server issues tokens
bound to it) and run by `salon mcp` over stdio with a token. docs/assistants.md."""

from salon.settings import Settings

PATH = "/mcp"


def resource_url(settings: Settings) -> str:
    """What MCP tokens are bound to (RFC 8707): this server's /mcp."""
    return f"{settings.base_url.rstrip('/')}{PATH}"

"""Salon inside chat assistants: a Model Context Protocol server (the official SDK), mounted
at PATH on `salon serve` (streamable HTTP, OAuth: Salon's authorization server issues tokens
bound to it) and run by `salon mcp` over stdio with a token. docs/assistants.md."""

PATH = "/mcp"

"""Who a tool call acts for, and what it may do: the bearer token of the request (over HTTP,
checked by the SDK's auth middleware with `http.Verifier`) or the one `salon mcp` was given
(stdio), resolved by `oauth.resolve` on every call, so a token revoked mid-conversation
stops working at once. Scopes are Salon's (`oauth.scopes.covers`), as for the Mastodon API;
so are the person's filters (`filtered`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver.exceptions import ToolError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.db.session import Database
from salon.errors import SalonError
from salon.filters import matching
from salon.filters import service as filter_service
from salon.filters.matching import FilterCache
from salon.oauth import scopes as scope_rules
from salon.oauth import service as oauth
from salon.oauth.service import TokenContext
from salon.posts.schemas import PostView
from salon.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    database: Callable[[], Database]  # the app's, made in its lifespan
    resource: str | None  # what tokens must be bound to: the /mcp URL; None over stdio
    token: str | None = None  # stdio: the token `salon mcp` was given
    # Called after a write commits: the in-process worker starts on its jobs (fan-out,
    # a generation) now rather than at its next poll. Over stdio there is none to wake.
    wake: Callable[[], None] = lambda: None
    filter_cache: FilterCache = field(default_factory=FilterCache)

    async def filtered(self, session: AsyncSession, me: Account, where: str | None,
                       views: Sequence[PostView]) -> list[PostView]:
        """What the person's filters let through in context `where` (home, public,
        thread, notifications; None marks and hides nothing), as the API shows it."""
        compiled = await filter_service.compiled(session, self.filter_cache, me.id,
                                                 me.filters_version)
        return matching.apply(compiled.context(where), views)

    def bearer(self) -> str | None:
        if self.token is not None:
            return self.token
        found = get_access_token()
        return found.token if found is not None else None

    async def caller(self, session: AsyncSession) -> TokenContext | None:
        """The live token of this call, with its account; None if there is none."""
        raw = self.bearer()
        if raw is None:
            return None
        context = await oauth.resolve(session, raw, self.resource)
        if context is None or context.account is None or not context.account.approved:
            return None
        return context

    @asynccontextmanager
    async def acting(self, needed: str
                     ) -> AsyncIterator[tuple[AsyncSession, Account, TokenContext]]:
        """A transaction as the caller, who must have `needed`; committed when the tool
        returns, rolled back when it raises. What a service refuses (not found, invalid,
        forbidden, over a limit) becomes a tool error saying what to change."""
        async with self._transaction(needed) as session:
            context = await self.caller(session)
            if context is None:
                raise ToolError("This connection's token is no longer valid (revoked, or its "
                                "account suspended): reconnect Salon and sign in again.")
            if not scope_rules.covers(context.scopes, needed):
                raise ToolError(f"This connection was not allowed {needed}: reconnect Salon "
                                "and allow it on the consent page.")
            assert context.account is not None
            try:
                yield session, context.account, context
            except SalonError as refused:  # not found, invalid, forbidden, over a limit
                field = getattr(refused, "field", None)
                raise ToolError(f"{field}: {refused.message}" if field else refused.message
                                ) from refused

    @asynccontextmanager
    async def _transaction(self, needed: str) -> AsyncIterator[AsyncSession]:
        async with self.database().transaction() as session:
            yield session
        if needed.startswith("write"):
            self.wake()

"""Bearer tokens of any scopes for one signed-up person, as an app would hold them, and
values for the API's path parameters."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.oauth import service as oauth
from tests.conftest import Site

# Values for the path parameters whose records the tests need not make (a 404 is an answer).
PATH_VALUES = {
    "media_id": "1", "notification_id": "1", "generation_id": "1", "hashtag": "sea",
    "name": "sea", "featured_id": "1", "filter_id": "1", "keyword_id": "1", "report_id": "1",
    "scheduled_id": "1", "conversation_id": "1", "list_id": "1", "group_key": "ungrouped-1",
    "request_id": "1", "feed_id": "1",
}


def issuer(site: Site, username: str) -> Callable[[str], dict[str, str]]:
    """Signs `username` up; the function returns headers with a token of the given scopes."""
    site.user(username)
    made: dict[str, dict[str, str]] = {}

    def headers(scopes: str) -> dict[str, str]:
        async def issue(session: AsyncSession) -> str:
            app = await oauth.create_app(session, "tests", "urn:ietf:wg:oauth:2.0:oob",
                                         "read write follow push")
            account = await accounts.get_by_username(session, username)
            return (await oauth.issue_for(session, app, account, scopes.split())).access_token

        if scopes not in made:
            made[scopes] = {"Authorization": f"Bearer {site.call(issue)}"}
        return made[scopes]

    return headers

"""The signals that tell AI crawlers what they may train on, from people's consent:
`X-Robots-Tag` (and the page's `<meta name="robots">`) says `noai` unless everyone whose
words are shown allowed their posts, and `noimageai` unless they allowed their pictures
(generated and uploaded). Whatever a route does not decide says both: a timeline mixes
people, and consent is off until given. `/ai.txt` says the same for the site."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.datasets.models import Consent
from salon.datasets.schemas import GENERATED, POSTS, UPLOADS

HEADER = b"x-robots-tag"
DEFAULT = "noai, noimageai"
ALLOWED = "all"  # robots' word for no restriction


def tags(granted: Iterable[set[str]]) -> str:
    """The directives for content of people who granted these kinds (one set a person)."""
    everyone = list(granted)
    words = []
    if not all(POSTS in kinds for kinds in everyone):
        words.append("noai")
    if not all({GENERATED, UPLOADS} <= kinds for kinds in everyone):
        words.append("noimageai")
    return ", ".join(words) or ALLOWED


def authors(views: Iterable[Any]) -> set[int]:
    """Whose posts these post views show: their authors, and through reposts and quotes
    the authors of what they carry."""
    found: set[int] = set()
    for view in views:
        while view is not None:
            found.add(view.author.id)
            if view.quote is not None:
                found |= authors([view.quote])
            view = view.reblog
    return found


async def for_accounts(session: AsyncSession, account_ids: Iterable[int]) -> str:
    """The directives for a page or an answer showing these people's posts."""
    ids = set(account_ids)
    if not ids:
        return DEFAULT
    granted: dict[int, set[str]] = {i: set() for i in ids}
    for account_id, kind in (await session.execute(
            select(Consent.account_id, Consent.kind)
            .where(Consent.account_id.in_(ids), Consent.granted.is_(True)))).all():
        granted[account_id].add(kind)
    return tags(granted.values())


def kind_tags(granted: bool) -> str:
    """For one picture file: its author allowed its kind, or not."""
    return ALLOWED if granted else DEFAULT


def ai_txt(base_url: str) -> str:
    return (
        "# ai.txt: what this Salon instance allows AI models to be trained on.\n"
        "# Nothing of a person is, unless they said yes in Settings -> Training data, kind\n"
        "# by kind (their posts' text, generated pictures, uploaded pictures, choices).\n"
        "# Each page, picture and API answer says what it allows in its X-Robots-Tag\n"
        "# header (noai, noimageai, or all); pages also in <meta name=\"robots\">.\n"
        "# Its operator may publish what people consented to as a dataset whose card\n"
        f"# states that consent: ask the operator of {base_url.rstrip('/')}.\n"
        "User-Agent: *\n"
        "Disallow: /\n"
    )

"""Imports every domain's tables so that metadata (and Alembic) sees them all."""

from salon.accounts import models as accounts
from salon.assistant import models as assistant
from salon.datasets import models as datasets
from salon.db.base import Base
from salon.feeds import models as feeds
from salon.filters import models as filters
from salon.generation import models as generation
from salon.graph import models as graph
from salon.jobs import models as jobs
from salon.lists import models as lists
from salon.meaning import models as meaning
from salon.media import models as media
from salon.moderation import models as moderation
from salon.notifications import models as notifications
from salon.oauth import models as oauth
from salon.posts import models as posts
from salon.push import models as push
from salon.tags import models as tags
from salon.timelines import models as timelines

__all__ = [
    "Base",
    "accounts",
    "assistant",
    "datasets",
    "feeds",
    "filters",
    "generation",
    "graph",
    "jobs",
    "lists",
    "meaning",
    "media",
    "moderation",
    "notifications",
    "oauth",
    "posts",
    "push",
    "tags",
    "timelines",
]

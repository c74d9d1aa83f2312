"""The composition root's list of background jobs: importing each domain's tasks module
registers its handlers with the jobs plumbing (salon.jobs.worker.handler). Whatever runs a
worker (`salon serve`, `salon worker`, `salon seed`) imports this module first."""

from salon.assistant import tasks as _assistant  # noqa: F401
from salon.generation import tasks as _generation  # noqa: F401
from salon.graph import tasks as _graph  # noqa: F401
from salon.meaning import tasks as _meaning  # noqa: F401
from salon.media import tasks as _media  # noqa: F401
from salon.notifications import tasks as _notifications  # noqa: F401
from salon.posts import tasks as _posts  # noqa: F401
from salon.push import tasks as _push  # noqa: F401
from salon.timelines import tasks as _timelines  # noqa: F401

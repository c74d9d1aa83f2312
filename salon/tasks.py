"""The composition root's list of background jobs: each domain's tasks module registers its
handlers with the jobs plumbing (salon.jobs.worker.handler) when imported. Whatever runs a
worker (`salon serve`, `salon worker`, `salon seed`) hands it `handlers()`."""

from collections.abc import Mapping

from salon.assistant import tasks as assistant
from salon.generation import tasks as generation
from salon.graph import tasks as graph
from salon.jobs.worker import HANDLERS, Handler
from salon.meaning import tasks as meaning
from salon.media import tasks as media
from salon.notifications import tasks as notifications
from salon.posts import tasks as posts
from salon.push import tasks as push
from salon.timelines import tasks as timelines

MODULES = (assistant, generation, graph, meaning, media, notifications, posts, push, timelines)


def handlers() -> Mapping[str, Handler]:
    """Every job kind's handler: those the modules above registered."""
    return HANDLERS

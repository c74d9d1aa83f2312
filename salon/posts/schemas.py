"""Shapes of posts as the interfaces read them, and of what people send to make one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from salon.accounts.models import Account
from salon.generation.schemas import ROWS, Recipe, varying
from salon.media.models import MediaAttachment
from salon.posts.models import Post


@dataclass
class PollSpec:
    options: list[str]
    expires_in: int  # seconds
    multiple: bool = False


@dataclass
class PollOptionView:
    title: str
    votes_count: int


@dataclass
class PollView:
    id: int
    expires_at: datetime
    expired: bool
    multiple: bool
    voters_count: int
    options: list[PollOptionView]
    own_votes: list[int] = field(default_factory=list)

    @property
    def votes_total(self) -> int:
        return sum(o.votes_count for o in self.options)


@dataclass
class PostView:
    """A post ready to show to one viewer: everything a template or API needs, loaded in a
    fixed number of queries for a whole page of posts."""

    post: Post
    author: Account
    media: list[MediaAttachment] = field(default_factory=list)
    poll: PollView | None = None
    reblog: PostView | None = None  # set when this post is a repost
    quote: PostView | None = None
    quote_unavailable: bool = False
    in_reply_to: Account | None = None
    liked: bool = False
    reposted: bool = False
    bookmarked: bool = False
    pinned: bool = False  # by its author, who is the viewer
    muted: bool = False  # its thread, by the viewer (thread_mutes.py)
    # Imagine: which engine made the post's pictures and whether it is a trained model (its
    # label: made_label), the recipe unless hidden, and the remix source when the viewer may
    # see it.
    made_with: str | None = None
    ai_generated: bool = False
    recipe: Recipe | None = None  # the first generated picture's
    recipes: dict[int, Recipe] = field(default_factory=dict)  # each one's, by media id
    remix_of: Post | None = None
    remix_of_author: Account | None = None
    filtered: list[str] = field(default_factory=list)  # titles of the viewer's warn filters
    application: tuple[str, str | None] | None = None  # (name, website) of the posting app

    @property
    def id(self) -> int:
        return self.post.id

    @property
    def made_label(self) -> str | None:
        """How the post's pictures were made, in its label's words: "AI-generated" only for a
        trained model; "Made with sketch" for a procedural program."""
        if self.made_with is None:
            return None
        return "AI-generated" if self.ai_generated else f"Made with {self.made_with}"

    @property
    def picture_rows(self) -> list[str]:
        """The recipe rows that differ between the pictures (their seeds): shown for each
        picture; the others once (generation.schemas.ROWS)."""
        return varying(list(self.recipes.values()))

    @property
    def recipe_rows(self) -> list[str]:
        apart = self.picture_rows
        return [row for row in ROWS if row not in apart]

    @property
    def shown(self) -> PostView:
        """What a timeline shows: the original of a repost, else the post itself."""
        return self.reblog or self

"""The TextEngine protocol: what every text engine offers and how the assistant calls it.

The counterpart of generation/engines/base.py. Engines are synchronous (a model, or an
HTTP client that blocks): the assistant runs them in a thread, hands them a `Conversation`
(everything the asker may read, gathered beforehand under the asker's visibility) and
`Tools` to call back, and gets a `Reply`: text, and perhaps a picture to draw. An engine
never reads the database and never posts: the assistant does both, so what it reads and
what it writes follow the same rules as everyone's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol


class TextEngineError(Exception):
    """A failure the asker can understand ("the model did not answer in time")."""


@dataclass(frozen=True)
class TextCapabilities:
    streaming: bool = False  # calls `stream` with pieces of the answer as it writes them
    tool_calls: bool = False  # decides itself which tools to call (else the assistant reads)
    images: bool = False  # reads the pictures of the thread


@dataclass(frozen=True)
class ContextPicture:
    """A picture of a post, as the asker may see it."""

    media_id: int
    description: str  # alt text ("" when none)
    url: str  # where the engine may fetch it (models that read images)
    # How it was made, where generated and the asker may see the recipe: prompt, engine,
    # model, seed, size, style... (generation/schemas.py Recipe.as_dict); else None.
    recipe: dict[str, object] | None = None
    engine: str | None = None  # the engine that made it, shown even with the recipe hidden
    ai_generated: bool = False  # made by a trained model


Role = Literal["question", "ancestor", "target", "quoted", "reply"]


@dataclass(frozen=True)
class ContextPost:
    """One post the asker may read."""

    id: int
    author: str  # username, without @
    author_name: str  # display name, or the username
    text: str  # plain text, as written
    created_at: datetime
    role: Role
    url: str = ""
    spoiler_text: str = ""
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    pictures: tuple[ContextPicture, ...] = ()
    remix_of: int | None = None  # the post it remixes, when the asker may see it
    remix_of_author: str | None = None
    bot: bool = False


@dataclass(frozen=True)
class Conversation:
    """What the assistant knows when it answers: the question, the post it was asked
    under (`target`, None when the question starts a thread), and the thread around it,
    oldest first. Only posts, pictures and recipes the asker may see are here."""

    assistant: str  # the assistant's username
    asker: str  # the asker's username
    question: str  # the question's text, mentions of the assistant taken out
    language: str  # ISO 639-1 code of the answer ("en" when unknown)
    posts: tuple[ContextPost, ...]  # thread order; the question is one of them
    target: ContextPost | None = None
    truncated: bool = False  # the thread has more replies than were read
    max_chars: int = 500  # the answer, with the mention of the asker, must fit a post
    explain: bool = False  # "Explain this post": a private answer about `target`
    can_draw: bool = True  # the asker has pictures left today (else the engine says so)
    image_engine: str = "sketch"  # what draws, for the answer to name


@dataclass(frozen=True)
class Drawing:
    """A picture to make: from a prompt, or (`source`) from a picture above in the thread."""

    prompt: str
    source: ContextPicture | None = None  # an edit: image-to-image from this picture
    source_post_id: int | None = None  # the post that holds `source`: the remix's source
    # The style preset the change asks for: "" for none, None to keep the source's.
    style: str | None = None


@dataclass
class Reply:
    text: str  # the answer's text; the assistant adds the mention and trims to fit
    drawing: Drawing | None = None
    refused: bool = False  # a refusal: said as a reply, but no picture, nothing counted
    usage: dict[str, int] = field(default_factory=dict)  # tokens, where a model says
    cost_usd: float | None = None


class Tools(Protocol):
    """What an engine with tool calls may ask for while it answers. Everything returned
    is already limited to what the asker may read."""

    def search_posts(self, query: str, limit: int = 5) -> list[ContextPost]: ...

    def read_recipe(self, post_id: int) -> list[ContextPicture]: ...


# Called with each new piece of text as the engine writes it (from the engine's thread).
Stream = Callable[[str], None]


class TextEngine(Protocol):
    """An engine may also have `ready()` (raises ValueError when this process lacks what
    running it needs) and `warm()` (load weights now)."""

    name: str  # the key settings choose: "builtin"
    model: str  # what wrote the answer: "salon-builtin-1"
    label: str  # honest about what it is, for the assistant's profile
    capabilities: TextCapabilities

    def answer(self, conversation: Conversation, tools: Tools,
               stream: Stream | None = None) -> Reply:
        """Answer the question. Streaming engines call `stream` with each piece as they
        write it; the returned `Reply.text` is the whole answer either way."""
        ...

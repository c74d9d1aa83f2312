"""What the openai text engine tells the model, and what the model's tools do.

The thread goes to the model as compact text (and, with read_thread, as JSON); the tools read
only through the assistant's `Tools` or the `Conversation` it gathered, so the model sees
nothing the asker may not. draw and edit make nothing here: the toolbox keeps the first one as
the reply's `Drawing` and tells the model the picture will come with its answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from salon.assistant.engines.base import (
    ContextPicture,
    ContextPost,
    Conversation,
    Drawing,
    Tools,
)

MAX_PICTURES = 8  # pictures sent to a model that reads them, the target's and question's first
SEARCH_LIMIT = 10  # posts search_posts returns at most


@dataclass
class ToolCall:
    """One call the model made (streamed calls are put together piece by piece)."""

    id: str = ""
    name: str = ""
    arguments: str = ""  # JSON, as the model wrote it

    def message(self) -> dict[str, Any]:
        """The call as the assistant message that made it repeats it."""
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": self.arguments or "{}"}}


# --- what the model is told ------------------------------------------------------------------


def system_prompt(c: Conversation) -> str:
    limit = max(1, c.max_chars - len(c.asker) - 2)  # "@asker " is put before the answer
    lines = [
        f"You are @{c.assistant}, the assistant of this Salon site: an automated account, "
        "not a person.",
        f"@{c.asker} mentioned you in a thread. Answer @{c.asker} in the language of their "
        f"question (probably the language with code {c.language!r}).",
        f"Your answer is posted as a reply: plain text without Markdown, at most {limit} "
        f"characters. The mention of @{c.asker} is added for you.",
        "You know only the thread you are given and what your tools return. Never invent "
        "posts, people, numbers or facts; when you do not know, say so.",
        "Tools: read_thread gives the thread as JSON; search_posts finds other posts by words; "
        "read_recipe shows how a post's pictures were made, where their recipe may be seen.",
    ]
    if c.explain:
        target = (f"post {c.target.id} by @{c.target.author}" if c.target is not None
                  else "the post they asked about")
        lines.append(f"@{c.asker} asked you privately to explain {target}: what it says and "
                     "means, its context in the thread, and how its pictures were made where "
                     f"their recipe shows it. Only @{c.asker} sees your answer. You draw "
                     "nothing in this answer.")
    else:
        lines.append("To make a picture, call draw with a prompt; to change a picture of a "
                     "post above in the thread, call edit with the post's id. One picture per "
                     f"answer, drawn by {c.image_engine} and attached to your reply; draw only "
                     "when asked.")
        if not c.can_draw:
            lines.append(f"@{c.asker} has no pictures left today: if they ask for one, say so.")
    return "\n".join(lines)


def final_nudge(c: Conversation) -> str:
    return (f"(You have used all your tool calls. Answer @{c.asker} now with what you know, "
            "without tools.)")


def thread_text(c: Conversation) -> str:
    lines = ["The thread, oldest first:"]
    for post in c.posts:
        lines += _post_lines(post)
    if c.truncated:
        lines.append("(thread truncated: later replies were not read)")
    if c.explain and c.target is not None:
        lines.append(f"@{c.asker} asks you to explain post {c.target.id}.")
    else:
        lines.append(f"The question from @{c.asker}: {c.question}")
    return "\n".join(lines)


def _post_lines(post: ContextPost) -> list[str]:
    who = f"@{post.author}" + (f" ({post.author_name})" if post.author_name != post.author
                               else "")
    head = [f"[post {post.id}] {who}", post.role, f"{post.created_at:%Y-%m-%d %H:%M}",
            f"{post.likes} likes, {post.reposts} reposts, {post.replies} replies"]
    if post.bot:
        head.insert(2, "automated account")
    lines = [", ".join(head)]
    if post.spoiler_text:
        lines.append(f"  content warning: {post.spoiler_text}")
    if post.remix_of is not None:
        by = f" by @{post.remix_of_author}" if post.remix_of_author else ""
        lines.append(f"  remix of post {post.remix_of}{by}")
    lines += [f"  {line}" for line in (post.text.strip() or "(no text)").splitlines()]
    for number, picture in enumerate(post.pictures, 1):
        lines.append(f"  picture {number}: {_picture_text(picture)}")
    return lines


def _picture_text(picture: ContextPicture) -> str:
    parts = [f"alt text {picture.description!r}" if picture.description else "no alt text"]
    if picture.ai_generated:
        parts.append("AI-generated")
    if picture.recipe is not None:
        parts.append("recipe " + json.dumps(picture.recipe, ensure_ascii=False, default=str,
                                            sort_keys=True))
    elif picture.engine:
        parts.append(f"made with {picture.engine}, recipe hidden")
    return "; ".join(parts)


def thread_json(c: Conversation) -> dict[str, Any]:
    return {"assistant": c.assistant, "asker": c.asker, "question": c.question,
            "language": c.language, "target": c.target.id if c.target is not None else None,
            "truncated": c.truncated, "posts": [post_json(p) for p in c.posts]}


def post_json(post: ContextPost) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": post.id, "author": post.author, "author_name": post.author_name,
        "role": post.role, "created_at": post.created_at.isoformat(), "text": post.text,
        "likes": post.likes, "reposts": post.reposts, "replies": post.replies}
    extra = {"url": post.url, "content_warning": post.spoiler_text, "bot": post.bot,
             "remix_of": post.remix_of, "remix_of_author": post.remix_of_author,
             "pictures": [picture_json(p) for p in post.pictures]}
    return out | {k: v for k, v in extra.items() if v}


def picture_json(picture: ContextPicture) -> dict[str, Any]:
    out: dict[str, Any] = {"media_id": picture.media_id, "description": picture.description,
                           "ai_generated": picture.ai_generated}
    if picture.engine:
        out["engine"] = picture.engine
    if picture.recipe is not None:
        out["recipe"] = picture.recipe
    elif picture.engine:
        out["recipe"] = "hidden"
    return out


def pictures_to_show(c: Conversation) -> Iterator[tuple[ContextPost, int, ContextPicture]]:
    """(post, its picture's number, picture) for a model that reads images: the target's and
    the question's first, then the thread's, MAX_PICTURES at most."""
    first = {"target": 0, "question": 1}
    posts = sorted(c.posts, key=lambda p: first.get(p.role, 2))  # stable: thread order kept
    shown = 0
    for post in posts:
        for number, picture in enumerate(post.pictures, 1):
            if picture.url and shown < MAX_PICTURES:
                shown += 1
                yield post, number, picture


def tool_definitions(c: Conversation) -> list[dict[str, Any]]:
    def tool(name: str, description: str, properties: dict[str, Any],
             required: tuple[str, ...] = ()) -> dict[str, Any]:
        return {"type": "function", "function": {
            "name": name, "description": description,
            "parameters": {"type": "object", "properties": properties,
                           "required": list(required)}}}

    post_id = {"type": "integer", "description": "the post's id, as in [post 123]"}
    offered = [
        tool("read_thread", "The thread you were asked in, as JSON: posts, authors, counts, "
             "pictures and their recipes.", {}),
        tool("search_posts", "Find posts on this site by words (only posts the asker may read).",
             {"query": {"type": "string", "description": "the words to look for"},
              "limit": {"type": "integer", "minimum": 1, "maximum": SEARCH_LIMIT,
                        "description": "how many posts at most (5 if not given)"}},
             ("query",)),
        tool("read_recipe", "How the pictures of a post were made (prompt, engine, model, "
             "seed, size...), where their recipe may be seen.", {"post_id": post_id},
             ("post_id",)),
    ]
    if c.explain:
        return offered
    prompt = {"type": "string", "description": "what to draw, in words"}
    return [*offered,
            tool("draw", "Draw a new picture; it is attached to your reply.", {"prompt": prompt},
                 ("prompt",)),
            tool("edit", "Make a new picture from a picture of a post above in the thread; it "
                 "is attached to your reply.",
                 {"prompt": {"type": "string", "description": "what to change or make of it"},
                  "post_id": post_id,
                  "picture": {"type": "integer", "minimum": 1,
                              "description": "which of the post's pictures (1 if not given)"}},
                 ("prompt", "post_id"))]


# --- what the tools do -----------------------------------------------------------------------


class _Refused(Exception):
    """A call the toolbox can't run: the reason goes back to the model as the tool's result."""


class Toolbox:
    """Runs the model's tool calls: reads through `tools` or the conversation, and keeps the
    first drawing asked for."""

    def __init__(self, conversation: Conversation, tools: Tools) -> None:
        self.conversation, self.tools = conversation, tools
        self.drawing: Drawing | None = None

    def run(self, call: ToolCall) -> str:
        """The tool's result, as the text of the tool message."""
        runs = {"read_thread": self.read_thread, "search_posts": self.search_posts,
                "read_recipe": self.read_recipe}
        if not self.conversation.explain:
            runs |= {"draw": self.draw, "edit": self.edit}
        run = runs.get(call.name)
        try:
            if run is None:
                raise _Refused(f"there is no tool named {call.name!r}; use one of "
                               f"{', '.join(runs)}")
            try:
                arguments = json.loads(call.arguments or "{}")
            except ValueError:
                raise _Refused("the arguments are not valid JSON") from None
            if not isinstance(arguments, dict):
                raise _Refused("the arguments must be a JSON object")
            return run(arguments)
        except _Refused as exc:
            return f"Error: {exc}."

    def read_thread(self, arguments: dict[str, Any]) -> str:
        return _json(thread_json(self.conversation))

    def search_posts(self, arguments: dict[str, Any]) -> str:
        query = _text(arguments, "query")
        limit = min(max(_number(arguments, "limit", 5), 1), SEARCH_LIMIT)
        found = self.tools.search_posts(query, limit)
        if not found:
            return f"No posts found for {query!r}."
        return _json([post_json(p) for p in found])

    def read_recipe(self, arguments: dict[str, Any]) -> str:
        post_id = _number(arguments, "post_id")
        pictures = self.tools.read_recipe(post_id)
        if not pictures:
            return f"Post {post_id} has no pictures you may see (or no such post)."
        return _json([picture_json(p) for p in pictures])

    def draw(self, arguments: dict[str, Any]) -> str:
        return self._keep(Drawing(_text(arguments, "prompt")))

    def edit(self, arguments: dict[str, Any]) -> str:
        prompt, post_id = _text(arguments, "prompt"), _number(arguments, "post_id")
        post = self._above(post_id)
        number = _number(arguments, "picture", 1)
        if not 1 <= number <= len(post.pictures):
            raise _Refused(f"post {post_id} has {len(post.pictures)} picture(s), not a "
                           f"picture {number}")
        return self._keep(Drawing(prompt, post.pictures[number - 1], post.id))

    def _above(self, post_id: int) -> ContextPost:
        """The post with pictures to edit: in the thread, and not a reply below the question."""
        c = self.conversation
        posts = list(c.posts)
        if c.target is not None and c.target not in posts:
            posts.insert(0, c.target)
        post = next((p for p in posts if p.id == post_id), None)
        if post is None:
            raise _Refused(f"post {post_id} is not in this thread; edit takes the id of a "
                           "post above the question")
        question = next((i for i, p in enumerate(posts) if p.role == "question"), len(posts))
        if post.role == "reply" and posts.index(post) > question:
            raise _Refused(f"post {post_id} is a reply below the question; only pictures "
                           "above it can be edited")
        if not post.pictures:
            raise _Refused(f"post {post_id} has no pictures to edit")
        return post

    def _keep(self, drawing: Drawing) -> str:
        c = self.conversation
        if not c.can_draw:
            return (f"Not drawn: @{c.asker} has no pictures left today. Tell them so, and "
                    "promise no picture.")
        if self.drawing is not None:
            return ("Not drawn: one picture per answer, and one is already coming with your "
                    "reply.")
        self.drawing = drawing
        return (f"Done: the picture will be attached to your reply (drawn by {c.image_engine}). "
                "Say in a few words what it shows; do not write a link.")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _text(arguments: dict[str, Any], name: str) -> str:
    value = arguments.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _Refused(f"{name} must be a non-empty string")
    return value.strip()


def _number(arguments: dict[str, Any], name: str, default: int | None = None) -> int:
    value = arguments.get(name, default)
    if isinstance(value, str) and value.strip().isdigit():  # some models quote numbers
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused(f"{name} must be a whole number")
    return value

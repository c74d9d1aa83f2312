"""The builtin engine's answers from the thread's own data: how a picture was made, who
made it, a summary of the thread, an explanation of a post, and what it can do.

Each answer is built from the Conversation only, and fits `budget` characters: quotes get
shorter first, then the answer is cut at a word."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC

from salon.assistant.engines.base import ContextPicture, ContextPost, Conversation
from salon.assistant.engines.builtin_lang import clip, fit
from salon.assistant.engines.builtin_phrases import count, label, quote, say

QUOTE_LENGTHS = (120, 80, 50, 30, 16)
_LINK = re.compile(r"https?://[^\s<>\"“”«»]+")
_HASHTAG = re.compile(r"(?<![\w/#&])#(\w+)")
_NAMES_SHOWN = 4


def shrink(render: Callable[[int], str], budget: int) -> str:
    """The first rendering with quotes of `QUOTE_LENGTHS` that fits, else the shortest cut."""
    text = ""
    for limit in QUOTE_LENGTHS:
        text = render(limit)
        if len(text) <= budget:
            return text
    return fit(text, budget)


def ancestors_nearest_first(conversation: Conversation) -> Iterator[ContextPost]:
    return (p for p in reversed(conversation.posts) if p.role == "ancestor")


def picture_above(conversation: Conversation) -> tuple[ContextPost, ContextPicture] | None:
    """The nearest picture above the question: the target's, then its ancestors' from the
    nearest up (never a reply below, nor the question's own)."""
    post = post_with_pictures(conversation)
    return (post, post.pictures[0]) if post is not None else None


def post_with_pictures(conversation: Conversation) -> ContextPost | None:
    target = conversation.target
    if target is not None and target.pictures:
        return target
    return next((p for p in ancestors_nearest_first(conversation) if p.pictures), None)


def source_prompt(picture: ContextPicture) -> str:
    """What a picture shows, in words: its recipe's prompt where visible, else its alt text."""
    prompt = picture.recipe.get("prompt") if picture.recipe is not None else None
    if isinstance(prompt, str) and prompt.strip():
        return prompt.strip()
    return picture.description.strip()


def who(post: ContextPost) -> str:
    name = post.author_name.strip()
    return f"{name} (@{post.author})" if name and name != post.author else f"@{post.author}"


# How a picture was made.

def recipe(conversation: Conversation, language: str, budget: int) -> str:
    post = post_with_pictures(conversation)
    if post is None:
        return fit(say(language, "no_pictures"), budget)
    return shrink(lambda limit: _recipe(post, language, limit), budget)


def _recipe(post: ContextPost, language: str, limit: int) -> str:
    shown = [p for p in post.pictures if p.recipe is not None]
    hidden = [p for p in post.pictures if p.recipe is None and p.engine]
    uploaded = [p for p in post.pictures if p.recipe is None and not p.engine]
    sentences = []
    if shown:
        rows = [_rows(p.recipe or {}, p.engine, language, limit) for p in shown]
        key = "recipe_one" if len(shown) == 1 else "recipe_many"
        sentences.append(say(language, key, author=post.author, n=len(shown),
                             fields=_fields(rows, language)))
    if hidden:
        engines = ", ".join(dict.fromkeys(p.engine or "" for p in hidden))
        key = "hidden_one" if len(hidden) == 1 else "hidden_many"
        sentences.append(say(language, key, engine=engines, n=len(hidden)))
    if uploaded:
        key = "uploaded_one" if len(uploaded) == 1 else "uploaded_many"
        sentences.append(say(language, key, n=len(uploaded)))
        if any(p.ai_generated for p in uploaded):
            sentences.append(say(language, "marked_ai"))
    return " ".join(sentences)


def _rows(recipe: dict[str, object], engine: str | None, language: str,
          limit: int) -> dict[str, str]:
    """A recipe's rows as shown: only what it has."""
    rows: dict[str, str] = {}
    for name in ("prompt", "negative_prompt"):
        value = recipe.get(name)
        if isinstance(value, str) and value.strip():
            rows[name] = quote(language, clip(value, limit))
    used = str(recipe.get("engine") or engine or "")
    model = str(recipe.get("model") or "")
    if used or model:
        rows["engine"] = f"{used} ({model})" if used and model and model != used else used or model
    if recipe.get("seed") is not None:
        rows["seed"] = str(recipe["seed"])
    if recipe.get("width") and recipe.get("height"):
        rows["size"] = f"{recipe['width']}×{recipe['height']}"
    style = recipe.get("style")
    if isinstance(style, str) and style.strip():
        rows["style"] = style.strip()
    return rows


def _fields(rows: list[dict[str, str]], language: str) -> str:
    """The rows the pictures share once, then what differs: the seeds, or each picture."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    shared = [n for n in names if len({row.get(n) for row in rows}) == 1]
    varying = [n for n in names if n not in shared]
    parts = [f"{label(language, n)} {rows[0][n]}" for n in shared]
    if varying == ["seed"]:
        parts.append(f"{label(language, 'seeds')} " + ", ".join(r.get("seed", "?") for r in rows))
    elif varying:
        for i, row in enumerate(rows, 1):
            each = ", ".join(f"{label(language, n)} {row[n]}" for n in varying if n in row)
            parts.append(f"{label(language, 'picture')} {i}: {each}")
    return "; ".join(parts)


# Who made it.

def author(conversation: Conversation, language: str, budget: int) -> str:
    post = conversation.target
    if post is None:
        return fit(say(language, "no_target"), budget)
    sentences = [say(language, "by", who=who(post))]
    if post.bot:
        sentences.append(say(language, "bot", author=post.author))
    if post.remix_of_author:
        sentences.append(say(language, "remix", author=post.remix_of_author))
    made = [p for p in post.pictures if p.engine]
    if made:
        engines = ", ".join(dict.fromkeys(p.engine or "" for p in made))
        key = "made_with_one" if len(made) == 1 else "made_with_many"
        sentences.append(say(language, key, engine=engines))
    uploads = len(post.pictures) - len(made)
    if uploads:
        sentences.append(say(language, "uploads_one" if uploads == 1 else "uploads_many"))
    return fit(" ".join(sentences), budget)


# Summaries.

def summary(conversation: Conversation, language: str, budget: int) -> str:
    # The thread without the question and the assistant's own answers.
    posts = [p for p in conversation.posts if p.role in ("ancestor", "target", "reply")
             and p.author != conversation.assistant]
    if not posts:
        return fit(say(language, "nothing_to_summarise"), budget)
    note = ""
    if conversation.truncated:
        read = sum(1 for p in conversation.posts if p.role == "reply")
        note = say(language, "truncated", n=read)
    room = budget - len(note) - 1 if note else budget
    made: dict[str, int] = {}
    for post in posts:
        made[post.author] = made.get(post.author, 0) + 1
    people = sorted(made, key=lambda name: -made[name])  # stable: first seen first
    liked = sorted((p for p in posts if p.likes > 0), key=lambda p: -p.likes)[:3]
    links, tags = _links(posts), _hashtags(posts)

    def render(limit: int, with_links: bool, with_tags: bool) -> str:
        names = [f"@{n} ({made[n]})" if made[n] > 1 else f"@{n}" for n in people[:_NAMES_SHOWN]]
        if len(people) > _NAMES_SHOWN:
            names.append(say(language, "and_more", n=len(people) - _NAMES_SHOWN))
        sentences = [say(language, "thread", posts=count(language, "post", len(posts)),
                         people=count(language, "person", len(people)),
                         names=", ".join(names))]
        if liked:
            points = "; ".join(f"{_point(p, language, limit)} "
                               f"({count(language, 'like', p.likes)})" for p in liked)
            sentences.append(say(language, "most_liked", points=points))
        else:
            sentences.append(say(language, "opens_with",
                                 point=_point(posts[0], language, limit)))
        if with_links and links:
            sentences.append(say(language, "links", items=", ".join(links[:3])))
        if with_tags and tags:
            sentences.append(say(language, "hashtags", items=", ".join(tags[:5])))
        return " ".join(sentences)

    # Shorter quotes first, then without hashtags, then without links.
    body = ""
    for limit, with_links, with_tags in _SUMMARY_TRIES:
        body = render(limit, with_links, with_tags)
        if len(body) <= room:
            break
    body = fit(body, room)
    return fit(f"{body} {note}" if note else body, budget)


_SUMMARY_TRIES = ((120, True, True), (80, True, True), (50, True, True), (50, True, False),
                  (50, False, False), (30, False, False), (16, False, False))


def _point(post: ContextPost, language: str, limit: int) -> str:
    words = _LINK.sub("", post.text).strip() or post.spoiler_text.strip() or next(
        (p.description for p in post.pictures if p.description.strip()), "")
    return f"@{post.author}: {quote(language, clip(words, limit))}" if words else f"@{post.author}"


def _links(posts: list[ContextPost]) -> list[str]:
    found: dict[str, None] = {}
    for post in posts:
        for link in _LINK.findall(post.text):
            found.setdefault(link.rstrip(".,;:!?)»”"), None)
    return list(found)


def _hashtags(posts: list[ContextPost]) -> list[str]:
    """The thread's hashtags, the most used first (as first written)."""
    seen: dict[str, tuple[int, str]] = {}
    for post in posts:
        for tag in _HASHTAG.findall(post.text):
            uses, written = seen.get(tag.lower(), (0, tag))
            seen[tag.lower()] = (uses + 1, written)
    ranked = sorted(seen.values(), key=lambda entry: -entry[0])
    return [f"#{written}" for _, written in ranked]


# Explaining a post.

def explain(conversation: Conversation, language: str, budget: int) -> str:
    post = conversation.target
    if post is None:
        return fit(say(language, "nothing_to_explain"), budget)
    return shrink(lambda limit: _explain(conversation, post, language, limit), budget)


def _explain(conversation: Conversation, post: ContextPost, language: str, limit: int) -> str:
    when = post.created_at
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    sentences = [say(language, "wrote", who=who(post), date=f"{when:%Y-%m-%d %H:%M} UTC")]
    if post.bot:
        sentences.append(say(language, "bot", author=post.author))
    parent = next(ancestors_nearest_first(conversation), None)
    if parent is not None:
        sentences.append(say(language, "replies_to", author=parent.author,
                             quote=quote(language, clip(parent.text or "…", limit))))
    else:
        sentences.append(say(language, "starts_thread"))
    if post.spoiler_text.strip():
        sentences.append(say(language, "content_warning",
                             quote=quote(language, clip(post.spoiler_text, limit))))
    if post.remix_of_author:
        sentences.append(say(language, "remix", author=post.remix_of_author))
    quoted = next((p for p in conversation.posts if p.role == "quoted"), None)
    if quoted is not None:
        sentences.append(say(language, "quotes", author=quoted.author,
                             quote=quote(language, clip(quoted.text or "…", limit))))
    if post.pictures:
        # A batch of pictures from one prompt reads once, with how many.
        alike: dict[str, int] = {}
        for described in (_picture(p, language, limit) for p in post.pictures):
            alike[described] = alike.get(described, 0) + 1
        items = "; ".join(f"{d} ×{n}" if n > 1 else d for d, n in alike.items())
        sentences.append(say(language, "has_pictures", items=items,
                             pictures=count(language, "picture", len(post.pictures))))
    links, tags = _links([post]), _hashtags([post])
    if links:
        sentences.append(say(language, "links", items=", ".join(links[:3])))
    if tags:
        sentences.append(say(language, "hashtags", items=", ".join(tags[:5])))
    sentences.append(say(language, "counts", likes=count(language, "like", post.likes),
                         reposts=count(language, "repost", post.reposts),
                         replies=count(language, "reply", post.replies)))
    return " ".join(sentences)


def _picture(picture: ContextPicture, language: str, limit: int) -> str:
    alt = picture.description.strip()
    described = quote(language, clip(alt, limit)) if alt else say(language, "no_description")
    prompt = source_prompt(picture) if picture.recipe is not None else ""
    engine = picture.engine or str((picture.recipe or {}).get("engine") or "")
    if picture.recipe is not None and prompt and engine:
        how = say(language, "pic_recipe", engine=engine,
                  prompt=quote(language, clip(prompt, limit)))
    elif picture.recipe is not None and engine:
        how = say(language, "pic_made", engine=engine)
    elif engine:
        how = say(language, "pic_hidden", engine=engine)
    else:
        how = say(language, "pic_uploaded_ai" if picture.ai_generated else "pic_uploaded")
    return f"{described} ({how})"


# What it can do.

def abilities(conversation: Conversation, language: str, budget: int, *,
              declined: bool) -> str:
    """What the engine is and can do; `declined`: the question was something else."""
    mention = f"@{conversation.assistant} "
    sentences = [
        say(language, "cannot" if declined else "intro"),
        say(language, "can", draw=quote(language, mention + say(language, "example_draw")),
            edit=quote(language, say(language, "example_edit"))),
        say(language, "admin"),
    ]
    return fit(" ".join(sentences), budget)

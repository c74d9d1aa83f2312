"""The builtin engine's answers from the thread's own data: how a picture was made, who
made it, a summary of the thread, an explanation of a post, and what it can do.

Each answer is built from the Conversation only, and fits `budget` characters: quotes get
shorter first, then the answer is cut at a word."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from salon.assistant.engines.base import ContextPicture, ContextPost, Conversation
from salon.assistant.engines.builtin_lang import clip, fit, long_date
from salon.assistant.engines.builtin_phrases import count, quote, say

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
        sentences.extend(_made(post.author, [_parts(p.recipe or {}, p.engine, language, limit)
                                             for p in shown], language))
    if hidden:
        engines = ", ".join(dict.fromkeys(title(p.engine or "") for p in hidden))
        key = "hidden_one" if len(hidden) == 1 else "hidden_many"
        sentences.append(say(language, key, engine=engines, n=len(hidden)))
    if uploaded:
        key = "uploaded_one" if len(uploaded) == 1 else "uploaded_many"
        sentences.append(say(language, key, n=len(uploaded)))
        if any(p.ai_generated for p in uploaded):
            sentences.append(say(language, "marked_ai"))
    return " ".join(sentences)


# Engines by the name people know them by; the others' titles are their models' names.
_TITLES = {"sketch": "Sketch"}


def title(engine: str, model: str = "") -> str:
    """"Sketch" rather than "sketch (salon-sketch-1)"; "gpt-image-1" rather than "openai"."""
    return _TITLES.get(engine) or model or engine


def _parts(recipe: dict[str, object], engine: str | None, language: str,
           limit: int) -> dict[str, str]:
    """A recipe's parts of the sentence, in its order: only what it has."""
    parts: dict[str, str] = {}
    used = str(recipe.get("engine") or engine or "")
    if used or recipe.get("model"):
        parts["with_engine"] = say(language, "with_engine",
                                   x=title(used, str(recipe.get("model") or "")))
    for name, key in (("prompt", "from_prompt"), ("negative_prompt", "with_negative")):
        value = recipe.get(name)
        if isinstance(value, str) and value.strip():
            parts[key] = say(language, key, x=quote(language, clip(value, limit)))
    style = recipe.get("style")
    if isinstance(style, str) and style.strip():
        parts["in_style"] = say(language, "in_style", x=style.strip())
    if recipe.get("width") and recipe.get("height"):
        parts["at_size"] = say(language, "at_size", x=f"{recipe['width']}×{recipe['height']}")
    if recipe.get("seed") is not None:
        parts["with_seed"] = str(recipe["seed"])
    return parts


def _made(author: str, pictures: list[dict[str, str]], language: str) -> list[str]:
    """How pictures were made, as sentences: what they share once, then the seeds, or
    what differs picture by picture."""
    names = list(dict.fromkeys(name for parts in pictures for name in parts))
    shared = [n for n in names if len({parts.get(n) for parts in pictures}) == 1]
    varying = [n for n in names if n not in shared]
    how = {n: pictures[0][n] for n in shared}
    if "with_seed" in how:
        how["with_seed"] = say(language, "with_seed", x=how["with_seed"])
    if varying == ["with_seed"]:
        how["with_seed"] = say(language, "with_seeds",
                               x=", ".join(p.get("with_seed", "?") for p in pictures))
    key = "made_one" if len(pictures) == 1 else "made_many"
    sentences = [say(language, key, author=author, n=len(pictures), how=_join(how))]
    if varying and varying != ["with_seed"]:
        for i, parts in enumerate(pictures, 1):
            each = {n: parts[n] for n in varying if n in parts}
            if "with_seed" in each:
                each["with_seed"] = say(language, "with_seed", x=each["with_seed"])
            sentences.append(say(language, "made_each", i=i, how=_join(each)))
    return sentences


def _join(parts: dict[str, str]) -> str:
    """"with Sketch from the prompt “…”, in the ink style, at 768×512, with seed 7"."""
    head = " ".join(parts[n] for n in ("with_engine", "from_prompt") if n in parts)
    rest = [text for n, text in parts.items() if n not in ("with_engine", "from_prompt")]
    return ", ".join([head, *rest] if head else rest)


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
        engines = ", ".join(dict.fromkeys(_picture_engine(p) for p in made))
        key = "made_with_one" if len(made) == 1 else "made_with_many"
        sentences.append(say(language, key, engine=engines))
    uploads = len(post.pictures) - len(made)
    if uploads:
        sentences.append(say(language, "uploads_one" if uploads == 1 else "uploads_many"))
    return fit(" ".join(sentences), budget)


# Summaries.

def summary(conversation: Conversation, language: str, budget: int) -> str:
    # The thread without the question and the assistant's own answers (and the answer
    # says so): what people said.
    posts = [p for p in conversation.posts if p.role in ("ancestor", "target", "reply")
             and p.author != conversation.assistant]
    if not posts:
        return fit(say(language, "nothing_to_summarise"), budget)
    mine = any(p.author == conversation.assistant for p in conversation.posts
               if p.role != "question")
    note = ""
    if conversation.truncated:
        read = sum(1 for p in conversation.posts if p.role == "reply")
        note = say(language, "truncated", replies=count(language, "reply", read))
    room = budget - len(note) - 1 if note else budget
    made: dict[str, int] = {}
    for post in posts:
        made[post.author] = made.get(post.author, 0) + 1
    people = sorted(made, key=lambda name: -made[name])  # stable: first seen first
    opening = posts[0]
    # The opening post is quoted already: the most liked are the others.
    liked = sorted((p for p in posts[1:] if p.likes > 0), key=lambda p: -p.likes)[:3]
    links, tags = _links(posts), _hashtags(posts)

    def render(limit: int, with_links: bool, with_tags: bool) -> str:
        names = [f"@{n} ({made[n]})" if made[n] > 1 else f"@{n}" for n in people[:_NAMES_SHOWN]]
        if len(people) > _NAMES_SHOWN:
            names.append(say(language, "and_more", n=len(people) - _NAMES_SHOWN))
        sentences = [
            say(language, "opened", author=opening.author,
                quote=quote(language, clip(_words(opening) or "…", limit))),
            say(language, "besides_answers" if mine else "besides_question",
                posts=count(language, "post", len(posts)),
                people=count(language, "person", len(people)), names=", ".join(names))]
        if liked:
            points = "; ".join(f"{_point(p, language, limit)} "
                               f"({count(language, 'like', p.likes)})" for p in liked)
            sentences.append(say(language, "most_liked", points=points))
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


def _words(post: ContextPost) -> str:
    """What a post says: its text without links, else its content warning or alt text."""
    return " ".join(_LINK.sub("", post.text).split()) or post.spoiler_text.strip() or next(
        (p.description.strip() for p in post.pictures if p.description.strip()), "")


def _point(post: ContextPost, language: str, limit: int) -> str:
    words = _words(post)
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
    date = long_date(post.created_at, language)
    said = " ".join(_LINK.sub("", post.text).split())
    shown = clip(said, limit)
    sentences = [say(language, "wrote", who=who(post), date=date, quote=quote(language, shown))
                 if said else say(language, "posted", who=who(post), date=date)]
    if post.bot:
        sentences.append(say(language, "bot", author=post.author))
    parent = next(ancestors_nearest_first(conversation), None)
    if parent is not None:
        sentences.append(say(language, "replies_to", author=parent.author,
                             quote=quote(language, clip(_words(parent) or "…", limit))))
    else:
        sentences.append(say(language, "first_post"))
    if post.spoiler_text.strip():
        sentences.append(say(language, "content_warning",
                             quote=quote(language, clip(post.spoiler_text, limit))))
    if post.remix_of_author:
        sentences.append(say(language, "remix", author=post.remix_of_author))
    quoted = next((p for p in conversation.posts if p.role == "quoted"), None)
    if quoted is not None:
        sentences.append(say(language, "quotes", author=quoted.author,
                             quote=quote(language, clip(_words(quoted) or "…", limit))))
    if post.pictures:
        # A batch of pictures from one prompt reads once, with how many.
        alike: dict[str, int] = {}
        for described in (_picture(p, language, limit) for p in post.pictures):
            alike[described] = alike.get(described, 0) + 1
        items = "; ".join(f"{d} ×{n}" if n > 1 else d for d, n in alike.items())
        sentences.append(say(language, "has_pictures", items=items,
                             pictures=count(language, "picture", len(post.pictures))))
    links = _links([post])
    # Hashtags the quote shows already are not listed again.
    tags = [t for t in _hashtags([post]) if t.lower() not in shown.lower().split()]
    if links:
        sentences.append(say(language, "links", items=", ".join(links[:3])))
    if tags:
        sentences.append(say(language, "hashtags", items=", ".join(tags[:5])))
    sentences.append(say(language, "counts", likes=count(language, "like", post.likes),
                         reposts=count(language, "repost", post.reposts),
                         replies=count(language, "reply", post.replies)))
    return " ".join(sentences)


def _picture_engine(picture: ContextPicture) -> str:
    recipe = picture.recipe or {}
    return title(picture.engine or str(recipe.get("engine") or ""), str(recipe.get("model") or ""))


def _picture(picture: ContextPicture, language: str, limit: int) -> str:
    alt = picture.description.strip()
    prompt = source_prompt(picture) if picture.recipe is not None else ""
    engine = _picture_engine(picture)
    if alt and prompt and " ".join(alt.split()).casefold() == " ".join(prompt.split()).casefold():
        # The alt text is the prompt: quoted once.
        how = say(language, "pic_this_prompt", engine=engine) if engine else ""
        return f"{quote(language, clip(alt, limit))} ({how})" if how else quote(
            language, clip(alt, limit))
    described = quote(language, clip(alt, limit)) if alt else say(language, "no_description")
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

"""What tools answer: compact shapes an assistant reads well (the Mastodon entities carry
forty fields a post), each a pydantic model, so every tool declares its output schema.
Built from PostViews (posts.reading.present), which already hold only what the caller
may see: a hidden recipe is absent here as everywhere."""

from __future__ import annotations

from pydantic import BaseModel, Field

from salon.accounts.models import Account
from salon.api.mastodon.entities.common import account_url, media_url, status_url, timestamp
from salon.api.mastodon.entities.salon import RecipeEntity, recipe
from salon.posts.schemas import PostView
from salon.posts.text import plain


class Person(BaseModel):
    id: str
    acct: str = Field(description="@username on this server")
    display_name: str
    url: str
    bot: bool = False


class Profile(Person):
    bio: str
    followers_count: int
    following_count: int
    posts_count: int
    locked: bool = Field(description="follow requests need approval")


class Picture(BaseModel):
    id: str
    url: str
    alt: str
    width: int
    height: int
    recipe: RecipeEntity | None = Field(None, description="absent when not generated, or when "
                                     "its author hid the recipe")


class PostOut(BaseModel):
    id: str
    url: str
    author: Person
    created_at: str
    visibility: str = Field(description="public, unlisted, private (followers) or direct")
    text: str
    content_warning: str | None = None
    in_reply_to_id: str | None = None
    quote_of_id: str | None = None
    remix_of_id: str | None = None
    replies_count: int
    likes_count: int
    reposts_count: int
    liked: bool = False
    reposted: bool = False
    bookmarked: bool = False
    pictures: list[Picture] = []
    made_with: str | None = Field(None, description="how its pictures were made")
    via: str | None = Field(None, description="the app or assistant it was posted with")
    reposted_by: Person | None = Field(None, description="set when this item of a "
                                       "timeline is a repost of the post")
    why: str | None = Field(None, description="For You: why the post is there")
    filtered: list[str] = Field([], description="titles of the reader's filters that "
                                "warn about it: show it folded, with these")


class Posts(BaseModel):
    posts: list[PostOut]
    next_max_id: str | None = Field(None, description="pass as max_id for older posts")


def person(acc: Account, base: str) -> Person:
    return Person(id=str(acc.id), acct=f"@{acc.username}", display_name=acc.display_name or
                  acc.username, url=account_url(base, acc), bot=acc.bot)


def profile(acc: Account, base: str) -> Profile:
    return Profile(**person(acc, base).model_dump(), bio=plain(acc.bio_html or ""),
                   followers_count=acc.followers_count, following_count=acc.following_count,
                   posts_count=acc.posts_count, locked=acc.locked)


def post(view: PostView, base: str, why: str | None = None) -> PostOut:
    if view.reblog is not None:
        return post(view.reblog, base).model_copy(update={
            "reposted_by": person(view.author, base), "why": why})
    p = view.post
    found = {media_id: recipe(r) for media_id, r in view.recipes.items()}
    return PostOut(
        id=str(p.id), url=status_url(base, view.author.username, p.id),
        author=person(view.author, base), created_at=timestamp(p.created_at),
        visibility=str(p.visibility), text=p.text, content_warning=p.spoiler_text or None,
        in_reply_to_id=str(p.in_reply_to_id) if p.in_reply_to_id else None,
        quote_of_id=str(p.quote_of_id) if p.quote_of_id else None,
        remix_of_id=str(view.remix_of.id) if view.remix_of is not None else None,
        replies_count=p.replies_count, likes_count=p.likes_count,
        reposts_count=p.reposts_count, liked=view.liked, reposted=view.reposted,
        bookmarked=view.bookmarked,
        pictures=[Picture(id=str(m.id), url=media_url(base, m.file_key), alt=m.description,
                          width=m.width, height=m.height, recipe=found.get(m.id))
                  for m in view.media],
        made_with=view.made_label, via=view.application[0] if view.application else None,
        why=why, filtered=view.filtered)

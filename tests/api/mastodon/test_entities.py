"""The Mastodon entities: their attribute sets are Mastodon's documented ones, and their values
are what Mastodon apps expect (string ids, "Z" timestamps, reposts nesting the original)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts.models import Account
from salon.api.mastodon import entities
from salon.graph import service as graph
from salon.media import service as media
from salon.media.store import absolute_url, media_store
from salon.notifications.service import notify
from salon.notifications.service import page as notification_page
from salon.posts import interactions, reading
from salon.posts import service as posts
from salon.posts.models import Post, PostEdit
from salon.posts.schemas import PollSpec, PostView
from salon.settings import Settings
from salon.timelines.schemas import Cursor
from tests.conftest import People

BASE = "https://salon.example"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# https://docs.joinmastodon.org/entities/Account/ (attributes every account has; `noindex` is
# sent for local accounts, which all of Salon's are)
ACCOUNT_KEYS = {
    "id",
    "username",
    "acct",
    "url",
    "display_name",
    "note",
    "avatar",
    "avatar_static",
    "header",
    "header_static",
    "locked",
    "fields",
    "emojis",
    "bot",
    "group",
    "discoverable",
    "noindex",
    "created_at",
    "last_status_at",
    "statuses_count",
    "followers_count",
    "following_count",
}
# https://docs.joinmastodon.org/entities/Account/#CredentialAccount
CREDENTIAL_KEYS = ACCOUNT_KEYS | {"source", "role"}
SOURCE_KEYS = {"note", "fields", "privacy", "sensitive", "language", "follow_requests_count"}
# https://docs.joinmastodon.org/entities/Role/
ROLE_KEYS = {"id", "name", "permissions", "color", "highlighted"}
# https://docs.joinmastodon.org/entities/Status/ (always present; `quote` since 4.4.0)
STATUS_KEYS = {
    "id",
    "uri",
    "created_at",
    "account",
    "content",
    "visibility",
    "sensitive",
    "spoiler_text",
    "media_attachments",
    "application",
    "mentions",
    "tags",
    "emojis",
    "reblogs_count",
    "favourites_count",
    "replies_count",
    "url",
    "in_reply_to_id",
    "in_reply_to_account_id",
    "reblog",
    "poll",
    "card",
    "language",
    "edited_at",
    "quote",
}
# Salon's extension on every status that is not a repost (Mastodon apps ignore it)
SALON_KEYS = {"salon"}
# ... and those only for a signed-in viewer (`pinned` only on the viewer's own pinnable post)
VIEWER_KEYS = {"favourited", "reblogged", "muted", "bookmarked", "filtered"}
MENTION_KEYS = {"id", "username", "url", "acct"}  # Status::Mention
STATUS_TAG_KEYS = {"name", "url"}  # Status::Tag
# https://docs.joinmastodon.org/entities/MediaAttachment/ (text_url was removed in 3.5.0)
MEDIA_KEYS = {
    "id",
    "type",
    "url",
    "preview_url",
    "remote_url",
    "meta",
    "description",
    "blurhash",
}
# https://docs.joinmastodon.org/entities/Poll/ (voted and own_votes only with a user token)
POLL_KEYS = {
    "id",
    "expires_at",
    "expired",
    "multiple",
    "votes_count",
    "voters_count",
    "options",
    "emojis",
}
# https://docs.joinmastodon.org/entities/Notification/ (group_key since 4.3.0; status only
# for favourite, reblog, status, mention, poll and update)
NOTIFICATION_KEYS = {"id", "type", "group_key", "created_at", "account"}
# https://docs.joinmastodon.org/entities/Relationship/
RELATIONSHIP_KEYS = {
    "id",
    "following",
    "showing_reblogs",
    "notifying",
    "languages",
    "followed_by",
    "blocking",
    "blocked_by",
    "muting",
    "muting_notifications",
    "requested",
    "requested_by",
    "domain_blocking",
    "endorsed",
    "note",
}
# https://docs.joinmastodon.org/entities/Tag/ (following only with a user token)
TAG_KEYS = {"name", "url", "history"}
# https://docs.joinmastodon.org/entities/StatusEdit/ (poll only when the post has one)
STATUS_EDIT_KEYS = {
    "content",
    "spoiler_text",
    "sensitive",
    "created_at",
    "account",
    "media_attachments",
    "emojis",
}
# https://docs.joinmastodon.org/entities/Quote/ and /entities/ShallowQuote/ (Mastodon's
# REST::QuoteSerializer names the status `quoted_status`)
QUOTE_KEYS = {"state", "quoted_status"}
SHALLOW_QUOTE_KEYS = {"state", "quoted_status_id"}


def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(buf, "PNG")
    return buf.getvalue()


def dump(entity: entities.Entity) -> dict[str, Any]:
    data: dict[str, Any] = entity.model_dump(mode="json")
    return data


async def view_of(session: AsyncSession, post: Post, viewer: Account | None) -> PostView:
    [view] = await reading.present(session, [post], viewer.id if viewer else None)
    return view


def test_timestamps_are_utc_milliseconds_with_z() -> None:
    at = datetime(2026, 11, 25, 7, 43, 26, 123456, tzinfo=UTC)
    assert entities.timestamp(at) == "2026-11-25T07:43:26.123Z"
    assert entities.timestamp(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00.000Z"


async def test_account(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    await posts.create_post(session, alice, "hello")
    await session.commit()
    await session.refresh(alice)  # counters are updated in SQL: read them back
    data = dump(entities.account(alice, BASE + "/"))
    assert set(data) == ACCOUNT_KEYS
    assert data["id"] == str(alice.id)
    assert data["acct"] == data["username"] == "alice"
    assert data["url"] == f"{BASE}/@alice"
    assert data["avatar"] == data["avatar_static"] == f"{BASE}/static/avatar.svg"
    assert data["header"].startswith(BASE) and data["header"] == data["header_static"]
    assert re.match(r"^\d{4}-\d\d-\d\dT00:00:00\.000Z$", data["created_at"])  # midnight
    assert alice.last_post_at is not None
    assert data["last_status_at"] == alice.last_post_at.astimezone(UTC).date().isoformat()
    assert data["statuses_count"] == 1
    assert (data["fields"], data["emojis"], data["bot"], data["locked"]) == ([], [], False, False)


async def test_account_with_pictures_and_suspended(people: People, session: AsyncSession,
                                                   settings: Settings) -> None:
    bob = await people.make("bob")
    bob.avatar_key, bob.header_key = "public/1/a.webp", "public/1/h.webp"
    store = media_store(settings)
    assert dump(entities.account(bob, BASE))["avatar"] == absolute_url(
        store, "public/1/a.webp", BASE)
    assert dump(entities.account(bob, BASE))["header_static"] == absolute_url(
        store, "public/1/h.webp", BASE)
    assert dump(entities.account(bob, BASE))["last_status_at"] is None
    bob.suspended_at = datetime.now(UTC)
    data = dump(entities.account(bob, BASE))
    assert set(data) == ACCOUNT_KEYS | {"suspended"}
    assert data["suspended"] is True and data["note"] == ""
    assert data["avatar"] == f"{BASE}/static/avatar.svg"


async def test_credential_account(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    data = dump(entities.credential_account(alice, BASE))
    assert set(data) == CREDENTIAL_KEYS
    assert set(data["source"]) == SOURCE_KEYS
    assert set(data["role"]) == ROLE_KEYS


async def test_status_for_anonymous_and_signed_in(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    parent = await posts.create_post(session, bob, "first")
    post = await posts.create_post(
        session, alice, "hi @bob #Sunset and #sea", spoiler_text="cw", in_reply_to_id=parent.id
    )
    await interactions.like(session, bob, post.id)
    await interactions.bookmark(session, bob, post.id)
    await session.commit()
    await session.refresh(post)

    anon = dump(
        entities.status(await view_of(session, post, None), BASE, None, mentions={post.id: [bob]})
    )
    assert set(anon) == STATUS_KEYS | SALON_KEYS
    assert anon["salon"] == {"ai_generated": False, "made_with": None, "label": None,
                             "recipe": None, "media_recipes": [], "remix_of": None,
                             "remixes_count": 0}
    assert anon["id"] == str(post.id) and TIMESTAMP.match(anon["created_at"])
    assert anon["in_reply_to_id"] == str(parent.id)
    assert anon["in_reply_to_account_id"] == str(bob.id)
    assert anon["url"] == f"{BASE}/@alice/{post.id}"
    assert anon["uri"] == f"{BASE}/users/alice/statuses/{post.id}"
    assert (anon["sensitive"], anon["spoiler_text"], anon["visibility"]) == (True, "cw", "public")
    assert anon["favourites_count"] == 1 and anon["reblogs_count"] == 0
    assert anon["language"] is None and anon["card"] is None and anon["quote"] is None
    assert anon["application"] is None  # posted through no app (the web UI, a service)
    assert f'href="{BASE}/tags/sunset"' in anon["content"]  # links are absolute
    assert [set(t) for t in anon["tags"]] == [STATUS_TAG_KEYS] * 2
    assert [t["name"] for t in anon["tags"]] == ["sunset", "sea"]
    assert anon["tags"][0]["url"] == f"{BASE}/tags/sunset"
    assert anon["mentions"] == [
        {"id": str(bob.id), "username": "bob", "url": f"{BASE}/@bob", "acct": "bob"}
    ]
    assert set(anon["mentions"][0]) == MENTION_KEYS
    assert set(anon["account"]) == ACCOUNT_KEYS

    seen = dump(entities.status(await view_of(session, post, bob), BASE, bob.id))
    assert set(seen) == STATUS_KEYS | VIEWER_KEYS | SALON_KEYS
    assert (seen["favourited"], seen["bookmarked"], seen["reblogged"]) == (True, True, False)
    assert seen["muted"] is False and seen["filtered"] == []
    assert seen["mentions"] == []  # none given

    own = dump(entities.status(await view_of(session, post, alice), BASE, alice.id))
    assert set(own) == STATUS_KEYS | VIEWER_KEYS | SALON_KEYS | {"pinned"}
    assert own["pinned"] is False and own["favourited"] is False

    deleted = dump(entities.status(await view_of(session, post, None), BASE, None, source=True))
    assert "content" not in deleted and deleted["text"] == post.text


async def test_repost_nests_the_original(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    original = await posts.create_post(session, alice, "original #art")
    boost = await interactions.repost(session, bob, original.id)
    await session.commit()
    await session.refresh(original)
    data = dump(entities.status(await view_of(session, boost, bob), BASE, bob.id))
    assert set(data) == STATUS_KEYS | VIEWER_KEYS  # a repost carries no `salon` of its own
    assert data["id"] == str(boost.id) and data["account"]["id"] == str(bob.id)
    assert data["content"] == "" and data["media_attachments"] == [] and data["tags"] == []
    assert data["uri"] == f"{BASE}/users/bob/statuses/{boost.id}/activity"
    inner = data["reblog"]
    assert set(inner) == STATUS_KEYS | VIEWER_KEYS | SALON_KEYS
    assert inner["id"] == str(original.id) and inner["account"]["username"] == "alice"
    assert inner["reblogged"] is True and inner["reblog"] is None
    assert inner["reblogs_count"] == 1 and [t["name"] for t in inner["tags"]] == ["art"]

    anon = dump(entities.status(await view_of(session, boost, None), BASE, None))
    assert set(anon) == STATUS_KEYS and set(anon["reblog"]) == STATUS_KEYS | SALON_KEYS


async def test_quotes(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    first = await posts.create_post(session, alice, "first")
    second = await posts.create_post(session, bob, "second", quote_of_id=first.id)
    third = await posts.create_post(session, alice, "third", quote_of_id=second.id)
    hidden = await posts.create_post(session, bob, "secret", visibility="private")
    await session.commit()
    data = dump(entities.status(await view_of(session, third, None), BASE, None))
    quote = data["quote"]
    assert set(quote) == QUOTE_KEYS and quote["state"] == "accepted"
    assert quote["quoted_status"]["id"] == str(second.id)
    inner = quote["quoted_status"]["quote"]  # a quote inside a quote is shallow
    assert set(inner) == SHALLOW_QUOTE_KEYS
    assert inner == {"state": "accepted", "quoted_status_id": str(first.id)}

    # A quote of something the reader may not see: no status, no id.
    quoting = await posts.create_post(session, bob, "q", quote_of_id=first.id)
    quoting.quote_of_id = hidden.id
    await session.commit()
    unseen = dump(entities.status(await view_of(session, quoting, None), BASE, None))
    assert unseen["quote"] == {"state": "unauthorized", "quoted_status": None}


async def test_media_attachment(people: People, session: AsyncSession, settings: Settings) -> None:
    alice = await people.make("alice")
    store = media_store(settings)
    upload = await media.upload(
        session, settings, store, alice.id, png(1280, 960), "a.png", "a cat", focus=(0.25, -0.5)
    )
    post = await posts.create_post(session, alice, "", media_ids=[upload.id])
    await session.commit()
    data = dump(entities.status(await view_of(session, post, None), BASE, None))
    [item] = data["media_attachments"]
    assert set(item) == MEDIA_KEYS
    assert item["id"] == str(upload.id) and item["type"] == "image"
    # Not published yet: signed on S3, where two signatures may fall in different seconds.
    assert item["url"].split("?")[0] == absolute_url(store, upload.file_key, BASE).split("?")[0]
    assert item["preview_url"].split("?")[0] == absolute_url(
        store, upload.thumb_key or "", BASE).split("?")[0]
    if not settings.media_url:
        assert item["url"] == f"{BASE}/media/{upload.file_key}"
    assert item["remote_url"] is None
    assert item["description"] == "a cat" and item["blurhash"] == upload.blurhash
    meta = item["meta"]
    assert set(meta) == {"original", "small", "focus"}
    assert meta["original"] == {
        "width": 1280,
        "height": 960,
        "size": "1280x960",
        "aspect": 1280 / 960,
    }
    assert meta["small"] == {"width": 640, "height": 480, "size": "640x480", "aspect": 640 / 480}
    assert meta["focus"] == {"x": 0.25, "y": -0.5}
    assert upload.thumb_key is not None  # and the thumbnail really is that size
    assert Image.open(io.BytesIO(await store.get(upload.thumb_key))).size == (640, 480)

    upload.description = ""
    assert dump(entities.media(upload, BASE))["description"] is None


async def test_poll(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(
        session, alice, "which?", poll=PollSpec(["red", "blue"], 3600, multiple=True)
    )
    await interactions.vote(session, bob, post.id, [0, 1])
    await session.commit()

    anon = dump(entities.status(await view_of(session, post, None), BASE, None))["poll"]
    assert set(anon) == POLL_KEYS
    assert anon["id"].isdigit()
    assert TIMESTAMP.match(anon["expires_at"]) and anon["expired"] is False
    assert (anon["votes_count"], anon["voters_count"], anon["multiple"]) == (2, 1, True)
    assert anon["options"] == [
        {"title": "red", "votes_count": 1},
        {"title": "blue", "votes_count": 1},
    ]

    voter = dump(entities.status(await view_of(session, post, bob), BASE, bob.id))["poll"]
    assert set(voter) == POLL_KEYS | {"voted", "own_votes"}
    assert voter["voted"] is True and voter["own_votes"] == [0, 1]
    author = dump(entities.status(await view_of(session, post, alice), BASE, alice.id))["poll"]
    assert author["voted"] is True and author["own_votes"] == []  # as Mastodon: own poll

    single = await posts.create_post(session, alice, "one", poll=PollSpec(["a", "b"], 3600))
    await session.commit()
    view = await view_of(session, single, None)
    assert dump(entities.status(view, BASE, None))["poll"]["voters_count"] is None


async def test_notification(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    post = await posts.create_post(session, alice, "like me")
    await notify(session, "favourite", alice.id, bob.id, post.id)
    await notify(session, "follow", alice.id, bob.id)
    await notify(session, "reply", alice.id, bob.id, post.id)
    await session.commit()
    items = (await notification_page(session, alice.id, Cursor())).items
    by_type = {n.type: dump(entities.notification(n, BASE)) for n in items}
    assert set(by_type) == {"favourite", "follow", "reply"}
    for data in by_type.values():
        assert data["id"].isdigit() and TIMESTAMP.match(data["created_at"])
        assert data["account"]["id"] == str(bob.id)
    # Likes of a post, and follows, are grouped as the v2 list groups them; the rest alone.
    assert by_type["favourite"]["group_key"].startswith(f"favourite-{post.id}-")
    assert by_type["follow"]["group_key"].startswith("follow-")
    assert by_type["reply"]["group_key"] == f"ungrouped-{by_type['reply']['id']}"
    assert set(by_type["follow"]) == NOTIFICATION_KEYS
    liked = by_type["favourite"]
    assert set(liked) == NOTIFICATION_KEYS | {"status"}
    assert liked["status"]["id"] == str(post.id)
    assert set(liked["status"]) == STATUS_KEYS | VIEWER_KEYS | SALON_KEYS | {"pinned"}
    assert by_type["reply"]["type"] == "mention"  # Mastodon has no "reply" type


async def test_relationship(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    bob = await people.make("bob")
    await graph.follow(session, alice.id, bob.id)
    await graph.mute(session, alice.id, bob.id)
    rel = await graph.relationship(session, alice.id, bob.id)
    data = dump(entities.relationship(bob.id, rel))
    assert set(data) == RELATIONSHIP_KEYS
    assert data["id"] == str(bob.id)
    assert (data["following"], data["showing_reblogs"], data["followed_by"]) == (True, True, False)
    assert data["muting"] is True and data["blocking"] is False and data["note"] == ""
    assert data["languages"] is None


def test_tag() -> None:
    day = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    data = dump(entities.tag("Sunset", BASE, [(day, 5, 3)]))
    assert set(data) == TAG_KEYS
    midnight = str(int(datetime(2026, 11, 24, tzinfo=UTC).timestamp()))
    assert data == {
        "name": "sunset",
        "url": f"{BASE}/tags/sunset",
        "history": [{"day": midnight, "uses": "5", "accounts": "3"}],
    }
    assert dump(entities.tag("sea", BASE, following=True))["following"] is True
    assert dump(entities.tag("sea", BASE))["history"] == []


async def test_status_edit(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    post = await posts.create_post(session, alice, "befor", poll=PollSpec(["a", "b"], 3600))
    await posts.edit_post(session, alice, post.id, "before #now", spoiler_text="cw")
    await session.commit()
    edits = list(
        await session.scalars(
            select(PostEdit).where(PostEdit.post_id == post.id).order_by(PostEdit.id)
        )
    )
    view = await view_of(session, post, None)
    versions = [dump(entities.status_edit(e, alice, BASE, view.media, view.poll)) for e in edits]
    assert [set(v) for v in versions] == [STATUS_EDIT_KEYS | {"poll"}] * 2
    assert versions[0]["content"] == "<p>befor</p>" and versions[0]["sensitive"] is False
    assert versions[1]["spoiler_text"] == "cw" and versions[1]["sensitive"] is True
    assert versions[1]["poll"] == {"options": [{"title": "a"}, {"title": "b"}]}
    assert all(TIMESTAMP.match(v["created_at"]) for v in versions)
    assert set(dump(entities.status_edit(edits[0], alice, BASE))) == STATUS_EDIT_KEYS
    assert TIMESTAMP.match(dump(entities.status(view, BASE, None))["edited_at"])


def test_tag_names_come_from_hashtag_links() -> None:
    html = (
        '<p><a href="/tags/sea" class="hashtag" rel="nofollow">#Sea</a> '
        '<a href="/@bob" class="mention">@bob</a> <a href="/tags/x">#x</a> '
        '<a class="hashtag" href="/tags/sea">#sea</a></p>'
    )
    assert entities.tag_names(html) == ["sea"]

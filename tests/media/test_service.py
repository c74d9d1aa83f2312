"""The media service against a real SQLite file and a real store on disk."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import salon.db.models  # noqa: F401  (every domain's tables, for create_all)
from salon.accounts.models import Account
from salon.db.base import Base
from salon.db.session import Database
from salon.errors import Invalid, NotFound, TooLarge
from salon.jobs.models import Job
from salon.jobs.worker import HANDLERS
from salon.media import service, tasks
from salon.media.models import MediaAttachment
from salon.media.store import LocalMediaStore, media_store
from salon.posts.models import Post
from salon.settings import Settings, configure


def make_image(fmt: str = "JPEG", size: tuple[int, int] = (1600, 1200), **save: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (20, 120, 220)).save(buf, fmt, **save)
    return buf.getvalue()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, env="test")


@pytest.fixture
def store(settings: Settings) -> LocalMediaStore:
    store = media_store(settings)
    assert isinstance(store, LocalMediaStore)
    return store


@pytest.fixture
async def session(settings: Settings) -> AsyncIterator[AsyncSession]:
    db = Database(settings)
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with db.sessions() as session:
        yield session
    await db.dispose()


async def add_account(session: AsyncSession, name: str) -> int:
    account = Account(username=name, username_key=name)
    session.add(account)
    await session.flush()
    return account.id


async def add_post(session: AsyncSession, account_id: int) -> int:
    post = Post(account_id=account_id, text="hi")
    session.add(post)
    await session.flush()
    return post.id


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
async def test_upload_stores_original_and_thumbnail(
    session: AsyncSession, settings: Settings, store: LocalMediaStore, fmt: str
) -> None:
    alice = await add_account(session, "alice")
    media = await service.upload(session, settings, store, alice, make_image(fmt), "a.img",
                                 description="A blue square")
    await session.commit()
    assert media.status == "ready" and media.post_id is None
    assert (media.width, media.height) == (1600, 1200)
    # The folder is random: the media id (time-ordered, guessable) does not find the file.
    folder = media.file_key.rsplit("/", 1)[0]
    assert folder.startswith(f"{alice}/") and str(media.id) not in folder
    assert len(folder.split("/")[1]) >= 22  # 128 random bits
    assert media.file_key == f"{folder}/original.jpg"
    assert media.thumb_key == f"{folder}/small.webp"
    assert media.content_type == "image/jpeg" and media.description == "A blue square"
    assert media.blurhash is not None and len(media.blurhash) == 28
    original = store.path(media.file_key)
    assert original.stat().st_size == media.size_bytes
    assert Image.open(store.path(media.thumb_key)).size == (640, 480)
    assert service.url(store, media.thumb_key) == f"/media/{folder}/small.webp"
    assert service.url(store, None) is None


async def test_upload_strips_gps(
    session: AsyncSession, settings: Settings, store: LocalMediaStore
) -> None:
    alice = await add_account(session, "alice")
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    media = await service.upload(session, settings, store, alice,
                                 make_image(exif=exif.tobytes()), "gps.jpg")
    stored = await store.get(media.file_key)
    assert len(Image.open(io.BytesIO(stored)).getexif()) == 0 and b"Exif" not in stored


async def test_upload_refusals(
    session: AsyncSession, settings: Settings, store: LocalMediaStore
) -> None:
    alice = await add_account(session, "alice")
    with pytest.raises(Invalid, match="not an image we can read") as caught:
        await service.upload(session, settings, store, alice, b"just text\n", "notes.txt")
    assert caught.value.status == 422
    jpeg = make_image()
    with pytest.raises(Invalid, match="damaged or incomplete"):
        await service.upload(session, settings, store, alice, jpeg[: len(jpeg) // 2], "cut.jpg")
    with pytest.raises(TooLarge, match="at most 10 MB") as too_large:
        await service.upload(session, settings, store, alice, b"\xff" * (10 * 1024 * 1024 + 1),
                             "big.jpg")
    assert too_large.value.status == 413
    with pytest.raises(Invalid, match="at most 1500 characters; this one has 1501"):
        await service.upload(session, settings, store, alice, jpeg, "a.jpg",
                             description="x" * 1501)
    with pytest.raises(Invalid, match="focal point"):
        await service.upload(session, settings, store, alice, jpeg, "a.jpg", focus=(2.0, 0.0))
    # Nothing was recorded and nothing was written.
    assert (await session.scalars(select(MediaAttachment))).all() == []
    assert not settings.media_dir.exists()


async def test_bomb_upload_is_refused(
    session: AsyncSession, settings: Settings, store: LocalMediaStore
) -> None:
    alice = await add_account(session, "alice")
    buf = io.BytesIO()
    Image.new("1", (8000, 6000), 0).save(buf, "PNG")
    with pytest.raises(Invalid, match="at most 40 megapixels; this one has 48.0"):
        await service.upload(session, settings, store, alice, buf.getvalue(), "bomb.png")


async def test_update_description_is_owner_only(
    session: AsyncSession, settings: Settings, store: LocalMediaStore
) -> None:
    alice, bob = await add_account(session, "alice"), await add_account(session, "bob")
    media = await service.upload(session, settings, store, alice, make_image(), "a.jpg")
    updated = await service.update_description(session, alice, media.id, "New alt",
                                               focus=(0.5, -0.25))
    assert (updated.description, updated.focus_x, updated.focus_y) == ("New alt", 0.5, -0.25)
    with pytest.raises(NotFound):
        await service.update_description(session, bob, media.id, "mine now")
    with pytest.raises(NotFound):
        await service.update_description(session, alice, 12345, "missing")
    with pytest.raises(Invalid, match="1500"):
        await service.update_description(session, alice, media.id, "x" * 1501)
    assert media.description == "New alt"


async def test_attach_and_for_posts(
    session: AsyncSession, settings: Settings, store: LocalMediaStore
) -> None:
    alice, bob = await add_account(session, "alice"), await add_account(session, "bob")
    post, other_post = await add_post(session, alice), await add_post(session, alice)
    mine = [await service.upload(session, settings, store, alice, make_image(size=(64, 48)),
                                 f"{i}.jpg") for i in range(3)]
    bobs = await service.upload(session, settings, store, bob, make_image(size=(64, 48)), "b.jpg")

    with pytest.raises(Invalid, match="not one of your uploads"):
        await service.attach(session, alice, [mine[0].id, bobs.id], post)
    with pytest.raises(Invalid, match="at most 2 images; remove 1"):
        await service.attach(session, alice, [m.id for m in mine], post, limit=2)
    with pytest.raises(Invalid, match="attach each image once"):
        await service.attach(session, alice, [mine[0].id, mine[0].id], post)

    order = [mine[2].id, mine[0].id]
    attached = await service.attach(session, alice, order, post)
    assert [(m.id, m.post_id, m.position) for m in attached] == [
        (mine[2].id, post, 0), (mine[0].id, post, 1)]
    with pytest.raises(Invalid, match="already attached to another post"):
        await service.attach(session, alice, [mine[0].id], other_post)
    mine[1].status = "processing"
    with pytest.raises(Invalid, match="still being processed"):
        await service.attach(session, alice, [mine[1].id], other_post)
    # Attaching again to the same post (an edit) is allowed and reorders.
    await service.attach(session, alice, [mine[0].id, mine[2].id], post)
    await session.commit()

    by_post = await service.for_posts(session, [post, other_post])
    assert [m.id for m in by_post[post]] == [mine[0].id, mine[2].id]
    assert by_post[other_post] == []
    assert await service.for_posts(session, []) == {}


async def test_delete_for_post_and_the_delete_files_job(
    session: AsyncSession, settings: Settings, store: LocalMediaStore
) -> None:
    alice = await add_account(session, "alice")
    post = await add_post(session, alice)
    media = await service.upload(session, settings, store, alice, make_image(), "a.jpg")
    await service.attach(session, alice, [media.id], post)
    keys = await service.delete_for_post(session, post)
    assert keys == [media.file_key, media.thumb_key]
    assert await service.for_posts(session, [post]) == {post: []}
    job = (await session.scalars(select(Job).where(Job.kind == "media.delete_files"))).one()
    assert job.payload == {"keys": keys}
    await session.commit()
    assert all(store.path(key).exists() for key in keys)  # until the job runs

    assert HANDLERS["media.delete_files"] is tasks.delete_files
    configure(settings)  # handlers use the settings the process was configured with
    await tasks.delete_files(session, dict(job.payload))
    await tasks.delete_files(session, dict(job.payload))  # running twice is fine
    assert not any(store.path(key).exists() for key in keys)
    assert await service.delete_for_post(session, post) == []


async def test_avatar_and_header(settings: Settings, store: LocalMediaStore) -> None:
    key = await service.store_avatar(settings, store, 7, make_image("PNG"))
    assert key.startswith("public/7/") and key.endswith("/avatar.jpg")
    assert Image.open(store.path(key)).size == (400, 400)
    key = await service.store_header(settings, store, 7, make_image("WEBP"))
    assert key.startswith("public/7/") and "/header." in key
    assert Image.open(store.path(key)).size == (1500, 500)
    with pytest.raises(Invalid, match="not an image"):
        await service.store_avatar(settings, store, 7, b"<svg></svg>")

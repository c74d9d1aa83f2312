"""Accounts: signing up, signing in, login sessions, profiles and search."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from salon.accounts import service as accounts
from salon.accounts.models import Credential
from salon.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import PASSWORD, People

# --- register ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username", ["", "a b", "x" * 31, "bad-name", "émile", "dot.name", "semi;colon", "@"]
)
async def test_register_refuses_invalid_usernames(session: AsyncSession, username: str) -> None:
    with pytest.raises(Invalid) as error:
        await accounts.register(session, username, PASSWORD)
    assert error.value.field == "username"


@pytest.mark.parametrize("username", ["admin", "Admin", "ROOT", "salon", "@settings", "api"])
async def test_register_refuses_reserved_usernames(session: AsyncSession, username: str) -> None:
    with pytest.raises(Invalid, match="reserved"):
        await accounts.register(session, username, PASSWORD)


async def test_register_accepts_edge_usernames(session: AsyncSession) -> None:
    one = await accounts.register(session, "x", PASSWORD)
    longest = await accounts.register(session, "y" * 30, PASSWORD)
    stripped = await accounts.register(session, "  @Under_Score1 ", PASSWORD)
    assert (one.username, longest.username) == ("x", "y" * 30)
    assert stripped.username == "Under_Score1"
    assert stripped.username_key == "under_score1"


async def test_duplicate_usernames_conflict_regardless_of_case(people: People) -> None:
    await people.make("Alice")
    for name in ["Alice", "alice", "ALICE", "@aLiCe"]:
        with pytest.raises(Conflict) as error:
            await people.make(name)
        assert error.value.field == "username"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "at least 8"),
        ("", "at least 8"),
        ("x" * 201, "at most 200"),
        ("password123", "too easy"),
        ("PassWord1", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
        ("abcabcabc", "too easy"),  # fewer than 4 different characters
        ("my-bob-is-great", "username"),
        ("XXBOBXXyz123", "username"),
    ],
)
async def test_register_refuses_weak_passwords(
    session: AsyncSession, password: str, message: str
) -> None:
    with pytest.raises(Invalid, match=message) as error:
        await accounts.register(session, "bob", password)
    assert error.value.field == "password"
    assert await accounts.find_by_username(session, "bob") is None


async def test_register_stores_only_a_hash(session: AsyncSession) -> None:
    account = await accounts.register(session, "carol", PASSWORD, display_name="  Carol  ")
    credential = await session.get(Credential, account.id)
    assert credential is not None
    assert PASSWORD not in credential.password_hash
    assert credential.password_hash.startswith("$argon2")
    assert account.display_name == "Carol"


# --- authenticate -----------------------------------------------------------------------


async def test_authenticate(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    found = await accounts.authenticate(session, "ALICE", PASSWORD)
    assert found is not None and found.id == alice.id
    assert await accounts.authenticate(session, "alice", PASSWORD + "x") is None
    assert await accounts.authenticate(session, "alice", "") is None
    assert await accounts.authenticate(session, "nobody", PASSWORD) is None


async def test_authenticate_refuses_suspended(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    await accounts.suspend(session, alice.id)
    await session.commit()
    with pytest.raises(Forbidden, match="suspended"):
        await accounts.authenticate(session, "alice", PASSWORD)
    assert await accounts.authenticate(session, "alice", "wrong password") is None
    await accounts.unsuspend(session, alice.id)
    assert await accounts.authenticate(session, "alice", PASSWORD) is not None


async def test_set_password_checks_strength_and_replaces(
    people: People, session: AsyncSession
) -> None:
    alice = await people.make("alice")
    with pytest.raises(Invalid):
        await accounts.set_password(session, alice, "alice-secret-99")
    await accounts.set_password(session, alice, "a whole new phrase")
    assert await accounts.authenticate(session, "alice", PASSWORD) is None
    assert await accounts.authenticate(session, "alice", "a whole new phrase") is not None


async def test_admins_cannot_be_suspended(people: People, session: AsyncSession) -> None:
    boss = await people.make("boss", is_admin=True)
    with pytest.raises(Invalid):
        await accounts.suspend(session, boss.id)
    with pytest.raises(NotFound):
        await accounts.suspend(session, 12345)


# --- login sessions ---------------------------------------------------------------------


async def test_login_session_start_resume_end(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    token, login = await accounts.start_login_session(session, alice, "x" * 400)
    await session.commit()
    assert login.token_hash != token  # only the hash is stored
    assert len(login.user_agent) == 300
    resumed = await accounts.resume_login_session(session, token)
    assert resumed is not None
    assert resumed[0].id == alice.id and resumed[1].csrf_token == login.csrf_token
    assert await accounts.resume_login_session(session, token + "x") is None
    assert await accounts.resume_login_session(session, login.token_hash) is None

    other, _ = await accounts.start_login_session(session, alice)
    await accounts.end_login_session(session, token)
    await session.commit()
    assert await accounts.resume_login_session(session, token) is None
    assert await accounts.resume_login_session(session, other) is not None


async def test_suspension_ends_every_login_session(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    first, _ = await accounts.start_login_session(session, alice)
    second, _ = await accounts.start_login_session(session, alice)
    await session.commit()
    await accounts.suspend(session, alice.id)
    await session.commit()
    assert await accounts.resume_login_session(session, first) is None
    await accounts.unsuspend(session, alice.id)
    await session.commit()
    # Sessions were deleted, not merely hidden: lifting the suspension does not revive them.
    assert await accounts.resume_login_session(session, second) is None


# --- profiles -----------------------------------------------------------------------------


async def test_update_profile_renders_bio_safely(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    await people.make("bob")
    bio = "<script>alert(1)</script> I draw with @bob and @ghost #art https://example.com/x"
    await accounts.update_profile(session, alice, bio=f"  {bio}  ", display_name="  Alice   A ")
    assert alice.bio == bio
    assert alice.display_name == "Alice A"
    assert "<script" not in alice.bio_html
    assert "&lt;script&gt;" in alice.bio_html
    assert 'href="/@bob" class="mention"' in alice.bio_html
    assert "/@ghost" not in alice.bio_html and "@ghost" in alice.bio_html
    assert 'href="/tags/art"' in alice.bio_html
    assert 'href="https://example.com/x"' in alice.bio_html


async def test_update_profile_limits(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    await accounts.update_profile(session, alice, bio="b" * 500, display_name="d" * 60)
    with pytest.raises(Invalid) as error:
        await accounts.update_profile(session, alice, bio="b" * 501)
    assert error.value.field == "bio"
    with pytest.raises(Invalid) as error:
        await accounts.update_profile(session, alice, display_name="d" * 61)
    assert error.value.field == "display_name"
    assert alice.bio == "b" * 500 and alice.display_name == "d" * 60
    await accounts.update_profile(session, alice, avatar_key="1/a.webp")
    assert alice.bio == "b" * 500 and alice.avatar_key == "1/a.webp"


# --- lookups and search -------------------------------------------------------------------


async def test_get_hides_suspended_and_missing(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    assert (await accounts.get_by_username(session, "@Alice")).id == alice.id
    await accounts.suspend(session, alice.id)
    with pytest.raises(NotFound):
        await accounts.get_by_username(session, "alice")
    with pytest.raises(NotFound):
        await accounts.get(session, alice.id)
    with pytest.raises(NotFound):
        await accounts.get(session, 999)


async def test_search(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice", display_name="Wonder Painter")
    alfred = await people.make("alfred")
    bob = await people.make("bob_x", display_name="Bobby")
    await people.make("bobyx")
    alfred.followers_count = 5
    await session.commit()

    assert [a.id for a in await accounts.search(session, "AL")] == [alfred.id, alice.id]
    assert [a.id for a in await accounts.search(session, "@alic")] == [alice.id]
    assert [a.id for a in await accounts.search(session, "painter")] == [alice.id]
    # LIKE wildcards typed by a person match literally.
    assert [a.id for a in await accounts.search(session, "bob_")] == [bob.id]
    assert await accounts.search(session, "%") == []
    assert await accounts.search(session, "   ") == []
    assert len(await accounts.search(session, "a", limit=1)) == 1

    await accounts.suspend(session, alice.id)
    assert [a.id for a in await accounts.search(session, "al")] == [alfred.id]


async def test_counters_never_go_below_zero(people: People, session: AsyncSession) -> None:
    alice = await people.make("alice")
    await accounts.add_to_counter(session, alice.id, "followers_count", 2)
    await accounts.add_to_counter(session, alice.id, "followers_count", -5)
    await session.commit()
    await session.refresh(alice)
    assert alice.followers_count == 0

"""`among(column, ids)` finds exactly the rows whose column is one of the ids, on SQLite
and PostgreSQL, as one statement whatever the number of ids (so a prepared statement is
reused), and uses the column's index."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.db.among import among
from salon.posts.models import Post
from tests.conftest import People


async def test_among_finds_exactly_the_rows_with_those_ids(session: AsyncSession,
                                                          people: People) -> None:
    ada = await people.make("ada")
    posts = []
    for n in range(6):
        posts.append(Post(account_id=ada.id, text=f"post {n}", content_html=f"<p>{n}</p>"))
        session.add(posts[-1])
    await session.flush()
    ids = [p.id for p in posts]

    async def found(wanted: list[int]) -> set[int]:
        return set(await session.scalars(select(Post.id).where(among(Post.id, wanted))))

    assert await found([]) == set()
    assert await found([ids[0]]) == {ids[0]}
    assert await found([ids[1], ids[3], 42, ids[3]]) == {ids[1], ids[3]}
    assert await found(ids + [2 ** 62]) == set(ids)
    assert set(await session.scalars(select(Post.id).where(
        ~among(Post.id, ids[:2]), Post.account_id == ada.id))) == set(ids[2:])


async def test_among_is_one_statement_whatever_the_count(session: AsyncSession) -> None:
    def sql(n: int) -> str:
        return str(select(Post.id).where(among(Post.id, range(n))).compile(
            session.get_bind(), compile_kwargs={}))

    assert sql(1) == sql(400)


async def test_among_looks_ids_up_by_the_index(session: AsyncSession) -> None:
    sql = str(select(Post.id).where(among(Post.id, [1])).compile(session.get_bind()))
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        plan = " ".join(str(r[-1]) for r in await connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {sql}", ("[1, 2, 3]",)))
        assert "SEARCH posts USING" in plan and "(id=?)" in plan, plan
    else:
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " ".join(r[0] for r in await connection.exec_driver_sql(
            f"EXPLAIN {sql}", ([1, 2, 3],)))
        assert "Seq Scan" not in plan and "pk_posts" in plan, plan

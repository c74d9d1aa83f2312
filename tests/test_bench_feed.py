"""`salon bench-feed` end to end on a tiny community, in the mode the tests run in: tastes,
posts with real vectors, likes with a fifth held out, rankings scored and the report. For
You is a stand-in here (the nearest posts to what the person liked, by meaning): the
figures are not checked against targets, only that each ranking is scored as it ranks."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.bench.feed import FeedScale, ndcg_at, recall_at, run_feed_bench
from salon.meaning import service as meaning
from salon.posts.models import Like
from salon.settings import Settings
from tests.databases import POSTGRES

TINY = FeedScale(people=24, posts=300, views=120, follows=6)


async def nearest_to_likes(session: AsyncSession, settings: Settings, person: int
                           ) -> list[int]:
    """A stand-in for For You: posts nearest to the mean of what the person liked."""
    liked = list(await session.scalars(select(Like.post_id).where(Like.account_id == person)))
    found = await meaning.vectors(session, settings, liked)
    if not found:
        return []
    taste = np.mean(list(found.values()), axis=0)
    return [p for p, _ in await meaning.nearest(session, settings, taste, 200)]


async def nothing(session: AsyncSession, settings: Settings, person: int) -> list[int]:
    return []


def test_the_measures() -> None:
    assert recall_at([1, 2, 3], {2, 9}) == 0.5
    assert ndcg_at([2, 9, 3], {2, 9}) == 1.0
    assert 0 < ndcg_at([3, 2], {2}) < 1 and ndcg_at([1], set()) == 0.0
    assert recall_at(list(range(30)), {25}) == 0.0  # past the first 20


async def test_bench_feed_scores_for_you_and_the_baselines(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path, env="test",
                    database_url=f"{POSTGRES}/unused" if POSTGRES else "")
    lines: list[str] = []
    report = await run_feed_bench(base, TINY, tmp_path / "results", lines.append,
                                  ranker=nearest_to_likes)
    text = report.read_text()
    assert lines[-1] == f"(report written to {report})"
    assert f"salon bench-feed: {'PostgreSQL' if POSTGRES else 'SQLite'}" in text
    found = re.findall(r"^\| (For You|Home \(chronological\)|Most liked) \| ([\d.]+) \| "
                       r"([\d.]+) \|$", text, re.M)
    rows = {name: recall for name, recall, _ in found}
    assert set(rows) == {"For You", "Home (chronological)", "Most liked"}, text
    assert "For You: measured." in text
    # Tastes are real: liking by meaning finds far more of the held-out likes than chance.
    assert float(rows["For You"]) > 0.1, text
    assert re.search(r"\| For You / better baseline, recall@20 \| [\d.]+× \| ≥ 1.3× \| "
                     r"(met|\*\*missed\*\*) \|", text)

    other = await run_feed_bench(base, TINY, tmp_path / "results2", lines.append,
                                 ranker=nothing)
    scored = other.read_text()
    assert "| For You | 0.000 | 0.000 |" in scored
    assert "| For You / better baseline, recall@20 | 0.00× | ≥ 1.3× | **missed** |" in scored


async def test_without_for_you_the_baselines_are_still_measured(tmp_path: Path,
                                                                monkeypatch: object) -> None:
    import salon.bench.feed as feed

    monkeypatch.setattr(feed, "for_you_ranker", lambda: None)  # type: ignore[attr-defined]
    base = Settings(data_dir=tmp_path, env="test",
                    database_url=f"{POSTGRES}/unused" if POSTGRES else "")
    report = await run_feed_bench(base, TINY, tmp_path / "results", lambda line: None)
    text = report.read_text()
    assert "For You: not measured: salon.feeds.for_you is not on this branch yet." in text
    assert "| For You / better baseline, nDCG@20 | not measured | ≥ 1.3 | |" in text
    assert "| Home (chronological) |" in text and "| For You |" not in text

"""`salon bench` end to end on a tiny instance, in the mode the tests run in: seeding, a real
server process, wrk, fan-out, generation, questions to the assistant and the report. (The
figures are not checked: this is the benchmark's test, not a timed test.)"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from salon.bench.dataset import Scale
from salon.bench.run import BenchError, run_bench
from salon.settings import Settings
from tests.databases import POSTGRES, REDIS

TINY = Scale(posters=60, readers=150, posts=2_000, big_followers=120, fanout_followers=100,
             token_accounts=10, load_seconds=1, generations=1, questions=4)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (scripts/test "
                    "installs it)")
async def test_bench_reports_every_figure(tmp_path: Path) -> None:
    base = Settings(
        data_dir=tmp_path, env="test",
        database_url=f"{POSTGRES}/unused" if POSTGRES else "",
        redis_url=REDIS, fanout_follower_limit=100,
    )
    lines: list[str] = []
    report = await run_bench(base, TINY, True, tmp_path / "results", echo=lines.append)

    text = report.read_text()
    assert report.parent == tmp_path / "results"
    assert re.fullmatch(r"ratio home/ceiling: \d+\.\d\d", text.splitlines()[-1])
    assert lines[-2] == text.splitlines()[-1] and lines[-1] == f"(report written to {report})"
    mode = "SQLite" if not POSTGRES else "PostgreSQL + Redis" if REDIS else "PostgreSQL"
    assert f"salon bench (quick): {mode}" in text
    figures = r"[^|]* \| ([\d,]+) \| [\d.]+ ms \| [\d.]+ ms \| (\d+) \|"
    for row in ("Ceiling: `GET /api/v1/custom_emojis`",
                "`GET /api/v1/timelines/home?limit=20` (peak)",
                "Home timeline paced to 80% of peak"):
        found = re.search(re.escape(row) + figures, text)
        assert found, (row, text)
        assert int(found[1].replace(",", "")) > 0 and found[2] == "0", (row, found[0])
    assert re.search(r"Post → in 100 home timelines .* \| \d+ ms; \d+ ms \|", text)
    assert re.search(r"\| [\d.]+ images/s \|", text)
    assert any("post 3: in 100 home timelines" in line for line in lines)
    # The assistant: two text answers and two pictures, each reply read by its asker.
    for row in (r"text answers \(p50; p95 of 2\) \| ([\d,]+) ms; [\d,]+ ms \| < 200 ms",
                r"drawings \(sketch, 1024×1024\) \(p50; p95 of 2\) \| ([\d,]+) ms; "
                r"[\d,]+ ms \| < 1,500 ms"):
        found = re.search(r"\| @muse mention → reply read by the asker, " + row
                          + r" \| (met|\*\*missed\*\*) \|", text)
        assert found, (row, text)
        assert int(found[1].replace(",", "")) > 0
    assert "one of 5 askers in turn" in text and "= 100,000" in text
    steps = re.findall(r"^\| (→ .*|POST answered .*) \| ([\d,]* ?m?s?) \| ([\d,]+ ms) \|$",
                       text, re.M)
    assert len(steps) == 6, text  # every step of a drawing has its median
    assert [bool(text_ms) for _, text_ms, _ in steps] == [True, True, False, False, False,
                                                          True]
    asked = [line for line in lines if re.match(r"  (text|drawing) +\d+ ms  @?\w", line)]
    assert len(asked) == 4, lines
    # Meaning: the data set's vectors, For You's first page (or why not), search by meaning.
    found = re.search(r"\| Embedding \(all-MiniLM-L6-v2-onnx-int8@1.0.0\), distinct texts of "
                      r"the data set \| ([\d,]+) texts/s \(576 in [\d.]+ s\) \|", text)
    assert found and int(found[1].replace(",", "")) > 0, text
    assert "| Vectors stored for the newest posts | 2,000 in " in text
    assert re.search(r"\| `GET /api/v1/timelines/for_you\?limit=20` first page \(p50; p95"
                     r"( of 10\) \| [\d.]+ ms; [\d.]+ ms \| < 60 ms; < 150 ms \| (met|\*\*missed"
                     r"\*\*)|\) \| not measured: the server has no For You route yet \(404\) "
                     r"\| < 60 ms; < 150 ms \|) \|", text), text
    assert re.search(r"\| `GET /api/v2/search\?type=statuses&limit=20&q=…` paraphrase queries "
                     r"\(p50; p95 of 10\) \| [\d.]+ ms; [\d.]+ ms \| < 80 ms \(p50\) \| "
                     r"(met|\*\*missed\*\*) \|", text), text


async def test_an_unreachable_redis_is_named_before_any_seeding(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path, env="test", redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(BenchError, match=r"Cannot reach Redis at redis://127.0.0.1:1/0 .*"
                       "Start it, or fix SALON_REDIS_URL"):
        await run_bench(base, TINY, True, tmp_path / "results", echo=lambda line: None)
    assert not (tmp_path / "results").exists()

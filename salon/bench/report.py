"""The benchmark's Markdown report: machine, versions, settings, figures, targets."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import text

from salon.bench import load
from salon.bench.assistant import STEPS, AssistantFigures
from salon.bench.dataset import Scale
from salon.bench.meaning import MeaningFigures
from salon.bench.meaning import rows as meaning_rows
from salon.db.session import Database
from salon.settings import Settings

# What the server process is told; everything else comes from the environment as usual.
PASSED = ("data_dir", "database_url", "redis_url", "redis_prefix", "env", "secret_key",
          "media_url", "fanout_follower_limit", "home_timeline_size", "max_active_requests",
          "status_cache_size", "engines", "assistant_enabled", "assistant_engine",
          "assistant_image_engine", "assistant_daily_answers", "assistant_thread_hourly",
          "generation_daily_quota")
ALLOWANCE = 100_000  # the bench server's allowances for the assistant's askers
TEXT_TARGET_MS = 200  # p50, mention → reply, builtin text engine
DRAWING_TARGET_MS = 1_500  # p50, mention → picture reply, sketch at 1024²


@dataclass
class Figures:
    ceiling: load.Load
    home: load.Load
    steady: load.Load  # home at 80% of its peak
    fanout_s: float  # median of three posts
    fanout_max_s: float
    images_per_s: float
    follows: int
    most_followed: list[int]
    first_reads_ms: tuple[float, float] = (0.0, 0.0)  # p50, p99 of each reader's first page
    assistant: AssistantFigures | None = None
    meaning: MeaningFigures | None = None
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def load_share(self) -> float:
        return self.steady.rps / self.home.rps if self.home.rps else 0.0

    @property
    def ratio(self) -> float:
        return self.home.rps / self.ceiling.rps if self.ceiling.rps else 0.0


def mode_of(settings: Settings) -> str:
    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    return f"{database} + Redis" if settings.redis_url else database


def environment(settings: Settings) -> dict[str, str]:
    return {f"SALON_{name.upper()}": str(getattr(settings, name)) for name in PASSED}


async def versions(db: Database, settings: Settings) -> dict[str, str]:
    found = {"Python": platform.python_version(), "Salon": version("salon"),
             "uvicorn": version("uvicorn"), "SQLAlchemy": version("sqlalchemy"),
             "wrk": load.wrk_version()}
    async with db.sessions() as session:
        if settings.is_sqlite:
            found["SQLite"] = str(await session.scalar(text("select sqlite_version()")))
        else:
            found["PostgreSQL"] = str(await session.scalar(text("show server_version")))
    if settings.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(settings.redis_url)
        try:
            found["Redis"] = str((await client.info("server"))["redis_version"])
        finally:
            await client.aclose()
    return found


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = ""
    return f"{model}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}"


def _load() -> str:
    """Other work on the machine slows every figure: say how busy it was."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(settings: Settings, scale: Scale, quick: bool, f: Figures, workers: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# salon bench ({'quick' if quick else 'full'}): {mode_of(settings)}, {when}",
        "",
        "| | |", "|---|---|",
        f"| Machine | {_machine()} |",
        f"| Other load | load average {_load()} (1, 5, 15 min) as the report was written; "
        "the bench's own processes count too |",
        *(f"| {name} | {value} |" for name, value in f.versions.items()),
        f"| Mode | {mode_of(settings)}; media on local disk |",
        f"| Data set | {scale.describe()}; {f.follows:,} follows; most followed: "
        f"{', '.join(f'{n:,}' for n in f.most_followed)} |",
        f"| Server | `salon serve --workers {workers}` ({workers} process"
        f"{'es' if workers > 1 else ''}, uvicorn on uvloop, embedded worker in each), "
        "access log off |",
        f"| Settings | db_pool_size {settings.db_pool_size}, "
        f"fanout_follower_limit {settings.fanout_follower_limit:,}, "
        f"home_timeline_size {settings.home_timeline_size}, "
        f"worker_concurrency {settings.worker_concurrency}, "
        f"worker_poll_seconds {settings.worker_poll_seconds}, "
        f"max_active_requests {settings.max_active_requests}, "
        f"status_cache_size {settings.status_cache_size:,} |",
        f"| Load | wrk, 1 thread, {load.CONNECTIONS} connections, "
        f"{scale.load_seconds:.0f} s per run, loopback |",
        "",
        "| Measure | Requests/s | p50 | p99 | Failed |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, run in (("Ceiling: `GET /api/v1/custom_emojis`", f.ceiling),
                      ("`GET /api/v1/timelines/home?limit=20` (peak)", f.home),
                      (f"Home timeline paced to 80% of peak (got {f.load_share:.0%})",
                       f.steady)):
        lines.append(f"| {name} | {run.rps:,.0f} | {run.p50_ms:.1f} ms | {run.p99_ms:.1f} ms "
                     f"| {run.failed} |")
    first_p50, first_p99 = f.first_reads_ms
    lines += [
        f"| Each reader's first home page, one at a time (its posts rendered afresh) | | "
        f"{first_p50:.1f} ms | {first_p99:.1f} ms | 0 |",
        "",
        "The timed home runs come after the first reads and a 3 s warm-up, so they find each "
        "post's rendered status kept (`SALON_STATUS_CACHE_SIZE`); new posts and changed "
        "rows are rendered as they come.",
    ]
    lines += [
        "",
        "| Measure | Figure | Target | |",
        "|---|---:|---:|---|",
        f"| Home / ceiling | {f.ratio:.2f} | ≥ 0.50 | {_mark(f.ratio >= 0.5)} |",
        f"| Home p99 paced to 80% of peak (got {f.load_share:.0%}) | {f.steady.p99_ms:.1f} ms "
        "| < 50 ms "
        f"| {_mark(f.steady.p99_ms < 50)} |",
        f"| Post → in {scale.fanout_followers:,} home timelines (median of 3; max) "
        f"| {f.fanout_s * 1000:.0f} ms; {f.fanout_max_s * 1000:.0f} ms | < 1,000 ms "
        f"| {_mark(f.fanout_s < 1)} |",
        f"| Sketch generations, request → signed candidates stored | "
        f"{f.images_per_s:.2f} images/s | | |",
    ]
    if f.meaning is not None:
        lines += meaning_rows(f.meaning)
    if f.assistant is not None:
        lines += _assistant(settings, f.assistant)
    lines += ["", f"ratio home/ceiling: {f.ratio:.2f}"]
    return "\n".join(lines) + "\n"


def _assistant(settings: Settings, a: AssistantFigures) -> list[str]:
    """Rows for the targets table, then how the questions were put and where time went."""
    sizes = ", ".join(a.sizes) or "none made"
    lines = []
    for name, asked, target in (("text answers", a.text, TEXT_TARGET_MS),
                                (f"drawings (sketch, {sizes})", a.drawings,
                                 DRAWING_TARGET_MS)):
        p50 = a.p50_ms(asked)
        lines.append(f"| @{settings.assistant_name} mention → reply read by the asker, {name} "
                     f"(p50; p95 of {len(asked)}) | {p50:,.0f} ms; {a.p95_ms(asked):,.0f} ms "
                     f"| < {target:,} ms | {_mark(bool(asked) and p50 < target)} |")
    text, drawn = a.steps_ms(a.text), a.steps_ms(a.drawings)
    lines += [
        "",
        f"Assistant: {len(a.text) + len(a.drawings)} questions mentioning "
        f"@{settings.assistant_name}, text and drawings in turn, one at a time, after "
        f"{a.warmups} untimed ones (one of each kind), each posted with "
        "`POST /api/v1/statuses` by one of "
        f"{a.askers} askers in turn; text engine `{settings.assistant_engine}`, pictures by "
        f"`{settings.assistant_image_engine}`. Allowances raised for the bench's server: "
        f"SALON_ASSISTANT_DAILY_ANSWERS, SALON_ASSISTANT_THREAD_HOURLY and "
        f"SALON_GENERATION_DAILY_QUOTA = {ALLOWANCE:,}. Timed from the POST's answer until "
        "the asker has read the reply: the asker's stream (`GET /api/v1/streaming/user`) "
        "says `salon.assistant` with the reply's id as the reply commits, then "
        f"`GET /api/v1/statuses/:id` reads it (that read, counted in: {a.read_ms:.1f} ms on "
        "average). Where the time went, medians from the jobs' and the generation's rows:",
        "",
        "| Step | Text answers | Drawings |",
        "|---|---:|---:|",
    ]
    for index, step in enumerate(STEPS):
        cells = [f"{found[index]:,.0f} ms" if index in found else "" for found in (text, drawn)]
        lines.append(f"| {step} | {cells[0]} | {cells[1]} |")
    return lines



def write(results_dir: Path, settings: Settings, scale: Scale, quick: bool, f: Figures,
          workers: int) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    mode = mode_of(settings).lower().replace(" + ", "-")
    path = results_dir / f"{stamp}-{mode}-{'quick' if quick else 'full'}.md"
    path.write_text(render(settings, scale, quick, f, workers))
    return path

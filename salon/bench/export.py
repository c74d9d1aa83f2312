"""`salon bench-export`: the dataset export's throughput (items/s, MB/s) on `salon bench`'s
instance with a share of its people consenting to every kind. The bench instance has text
posts only, so generated pictures are added: some posts get a generation of four
candidates, one of them posted. Their files are four pictures drawn once by the sketch
engine at 1024x1024 (with recipes inside, which the export removes), shared by every
generation: reads come from the page cache, so the figure is the export's own work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from salon.accounts.models import Account
from salon.bench import report
from salon.bench.dataset import Scale, build
from salon.bench.run import instance
from salon.datasets.export.run import export
from salon.datasets.models import Consent
from salon.datasets.schemas import KINDS
from salon.db.ids import new_id, utcnow
from salon.db.session import Database
from salon.generation import engines, provenance
from salon.generation.engines.base import EngineRequest
from salon.generation.models import Candidate, Generation
from salon.media.models import MediaAttachment
from salon.media.store import media_store
from salon.posts.models import Post
from salon.settings import Settings

SHARE = 0.25  # of the people, consenting to every kind
CHUNK = 2_000


async def _pictures(db: Database, settings: Settings, count: int, rng: np.random.Generator,
                    echo: Callable[[str], None]) -> None:
    """`count` random posts become generated ones: four candidates, the first posted."""
    engine = engines.pick(settings, "sketch")
    asked = EngineRequest("a lighthouse at dusk", width=1024, height=1024, count=4, seed=7)
    drawn = (await asyncio.to_thread(engine.generate, asked, lambda *_: None)).images
    store = media_store(settings)
    keys = []
    for i, picture in enumerate(drawn):
        key = f"public/0/bench/{i}.png"
        await store.put(key, provenance.encode_png(picture, {"prompt": "a lighthouse"}),
                        "image/png")
        keys.append(key)
    async with db.sessions() as session:
        chosen = list(await session.execute(select(Post.id, Post.account_id, Post.text)
                                            .order_by(Post.id).limit(count * 50)))
    picks = [chosen[int(i)] for i in rng.choice(len(chosen), size=min(count, len(chosen)),
                                                 replace=False)]
    now = utcnow()
    generations, candidates, media = [], [], []
    for post_id, account_id, text in picks:
        generation_id = new_id()
        generations.append({
            "id": generation_id, "account_id": account_id, "state": "succeeded",
            "progress": 1.0, "prompt": text[:500], "negative_prompt": "", "engine": "sketch",
            "model": engine.model, "seed": 7, "count": 4, "aspect": "1:1", "width": 1024,
            "height": 1024, "steps": 20, "guidance": 7.0, "style": "", "created_at": now})
        for position, key in enumerate(keys):
            media_id = new_id()
            media.append({
                "id": media_id, "account_id": account_id,
                "post_id": post_id if position == 0 else None, "position": 0,
                "status": "ready", "content_type": "image/png", "file_key": key,
                "thumb_key": None, "width": 1024, "height": 1024, "size_bytes": 0,
                "description": "", "created_at": now})
            candidates.append({"id": new_id(), "generation_id": generation_id,
                               "position": position, "seed": 7 + position,
                               "media_id": media_id,
                               "post_id": post_id if position == 0 else None})
    async with db.transaction() as session:
        for table, rows in ((Generation, generations), (MediaAttachment, media),
                            (Candidate, candidates)):
            for start in range(0, len(rows), CHUNK):
                await session.execute(insert(table), rows[start:start + CHUNK])
    echo(f"  {len(picks):,} posts made generated pictures (4 candidates each)")


async def _consent(db: Database, share: float, rng: np.random.Generator) -> int:
    async with db.sessions() as session:
        people = list(await session.scalars(select(Account.id)))
    picked = rng.choice(people, size=int(len(people) * share), replace=False)
    now = utcnow()
    rows = [{"account_id": int(a), "kind": k, "granted": True, "changed_at": now}
            for a in picked for k in KINDS]
    async with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(Consent), rows[start:start + CHUNK])
    return len(picked)


def _write(results_dir: Path, mode: str, lines: list[str]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = results_dir / f"{stamp}-{mode.lower().replace(' + ', '-')}-export.md"
    path.write_text("\n".join(lines) + "\n")
    return path


async def run_export_bench(base: Settings, scale: Scale, quick: bool, results_dir: Path,
                           echo: Callable[[str], None] = print) -> Path:
    rng = np.random.default_rng(11)
    async with instance(base, {"engines": "sketch"}) as (settings, db):
        mode = report.mode_of(settings)
        echo(f"salon bench-export ({'quick' if quick else 'full'}) on {mode}: "
             f"{scale.describe()}")
        await build(db, scale, echo)
        await _pictures(db, settings, 500 if quick else 4_000, rng, echo)
        consenting = await _consent(db, SHARE, rng)
        echo(f"  {consenting:,} people consent to every kind ({SHARE:.0%})")
        marks: dict[str, float] = {}
        started = time.perf_counter()

        def progress(part: str, done: int, total: int) -> None:
            if done >= total:
                marks.setdefault(part, time.perf_counter())

        folder = settings.data_dir / "export"
        result = await export(db, settings, folder, progress=progress)
        seconds = time.perf_counter() - started
        sizes = {part: sum(f.stat().st_size for f in (folder / "data" / part).glob("*"))
                 for part in result.counts}
    items = sum(result.counts.values())
    rows, last = [], started
    for part, n in result.counts.items():
        took = max(marks.get(part, last) - last, 1e-6)
        last = marks.get(part, last)
        rows.append(f"| {part} | {n:,} | {sizes[part] / 1e6:,.1f} | {took:,.1f} | "
                    f"{n / took:,.0f} | {sizes[part] / 1e6 / took:,.1f} |")
    lines = [
        f"# salon bench-export ({'quick' if quick else 'full'}), {mode}",
        "",
        f"{scale.describe()}; {SHARE:.0%} of the people consenting to every kind.",
        "",
        "| part | rows | MB | s | items/s | MB/s |", "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"**All: {items:,} items, {result.bytes / 1e6:,.1f} MB in {seconds:,.1f} s "
        f"(card and manifest included): {items / seconds:,.0f} items/s, "
        f"{result.bytes / 1e6 / seconds:,.1f} MB/s.**",
        "",
        f"Command: `salon bench-export{' --quick' if quick else ''}` on {mode}.",
    ]
    path = _write(results_dir, mode, lines)
    for line in lines:
        echo(line)
    echo(f"(report written to {path})")
    return path

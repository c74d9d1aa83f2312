"""`salon dataset export DIR`: the operator's command (it reads the database directly, so
only whoever runs the instance can use it), with a progress bar per part."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click


@click.group()
def dataset() -> None:
    """Training datasets of what people consented to."""


def _since(value: str | None) -> datetime | str | None:
    if value in (None, "last"):
        return value
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("a date (2026-12-01), a time (2026-12-01T12:00) or "
                                 "last", param_hint="--since") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


@dataset.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The dataset's name in its card (default: instance and date).")
@click.option("--since", "since", help="Only items posted after this date or time, or "
              "after the last export (last).")
def export(folder: Path, name: str | None, since: str | None) -> None:
    """Write a dataset of what people consented to into FOLDER (empty, or holding an
    unfinished export, which goes on where it stopped)."""
    from salon.cli import _settings
    from salon.datasets.export.run import ExportError
    from salon.datasets.export.run import export as run_export
    from salon.db.migrate import upgrade
    from salon.db.session import Database

    settings = _settings()
    bars: dict[str, Any] = {}

    def progress(part: str, done: int, total: int) -> None:
        bar = bars.get(part)
        if bar is None:
            bar = bars[part] = click.progressbar(length=max(total, 1), label=f"{part:<12}",
                                                 show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    async def run() -> Any:
        db = Database(settings)
        try:
            if settings.is_sqlite:
                await upgrade(settings, db.engine)
            return await run_export(db, settings, folder, name=name, since=_since(since),
                                    progress=progress)
        finally:
            await db.dispose()

    started = time.monotonic()
    try:
        result = asyncio.run(run())
    except ExportError as refused:
        raise click.ClickException(str(refused)) from None
    for bar in bars.values():
        if not bar.finished:
            bar.__exit__(None, None, None)
    seconds = max(time.monotonic() - started, 1e-6)
    items = sum(result.counts.values())
    click.echo(f"{'Finished' if result.resumed else 'Wrote'} {folder}: "
               + ", ".join(f"{n:,} {part}" for part, n in result.counts.items())
               + f"; {result.bytes / 1e6:,.1f} MB in {seconds:,.1f} s "
               f"({items / seconds:,.0f} items/s, {result.bytes / 1e6 / seconds:,.1f} MB/s).")


@click.command("bench-export")
@click.option("--quick", is_flag=True, help="The smaller instance of `salon bench --quick`.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench/results"), show_default=True,
              help="Folder for the Markdown report.")
def bench_export(quick: bool, results: Path) -> None:
    """Measure `salon dataset export` (items/s, MB/s) on salon bench's instance with a
    quarter of its people consenting, in the configured mode."""
    from salon.bench.dataset import Scale
    from salon.bench.export import run_export_bench
    from salon.bench.run import BenchError
    from salon.cli import _settings

    try:
        asyncio.run(run_export_bench(_settings(), Scale.quick() if quick else Scale.full(),
                                     quick, results, click.echo))
    except BenchError as missing:
        raise click.ClickException(str(missing)) from None

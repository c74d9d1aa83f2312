"""The `salon` command: serve, worker, migrate, embed, create-user, seed, bench..."""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from salon.datasets.cli import bench_export, dataset
from salon.logs import redact_handlers, uvicorn_log_config
from salon.settings import Settings, comma_list, configure, served_url


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return configure(Settings())
    except ValidationError as invalid:  # a SALON_* variable or .env line to fix, not a bug
        problems = "; ".join(
            f"SALON_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in invalid.errors())
        raise click.ClickException(f"Fix these settings: {problems}") from None


def _check_engines(settings: Settings, runs_jobs: bool) -> None:
    """The engines of a process that shows the composer or runs generations must work."""
    from salon.assistant import engines as text_engines
    from salon.generation import engines
    from salon.meaning import embedders

    try:
        engines.check(settings, runs_jobs=runs_jobs)
        text_engines.check(settings, runs_jobs=runs_jobs)
        embedders.check(settings)
    except (ValueError, embedders.EmbeddingError) as invalid:  # cannot work as configured
        raise click.ClickException(f"Fix these settings: {invalid}") from None


def _check_processes(settings: Settings, workers: int, embedded_worker: bool = False) -> None:
    if workers > 1 and not settings.redis_url:
        raise click.UsageError("--workers above 1 needs SALON_REDIS_URL: live events must "
                               "reach streams held by every process.")
    from salon.generation import engines

    loaded = engines.exclusive_names(settings) if workers > 1 and embedded_worker else []
    if loaded:
        raise click.UsageError(f"--workers above 1 with the built-in worker would load the "
                               f"{loaded[0]} model once per process: add --no-worker and run "
                               "`salon worker`, one per GPU.")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Salon: an open social network for making and sharing pictures."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # migrations' chatter hides the one line that matters
        logging.getLogger("alembic").setLevel(logging.WARNING)
    redact_handlers()  # no token or secret in a log line


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (more than 1 needs SALON_REDIS_URL).")
@click.option("--no-worker", is_flag=True, help="Do not run background jobs in this process.")
@click.option("--no-access-log", is_flag=True, help="Do not log every request (faster).")
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Serve HTTPS with this certificate (PEM); a reverse proxy is the usual way.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The certificate's private key (PEM), with --ssl-certfile.")
def serve(host: str, port: int, workers: int, no_worker: bool, no_access_log: bool,
          ssl_certfile: str | None, ssl_keyfile: str | None) -> None:
    """Run the web server (applies pending migrations on the embedded SQLite default)."""
    import uvicorn

    from salon.app import create_app
    from salon.db.migrate import upgrade_sync

    settings = _settings()
    embedded = settings.embedded_worker and not no_worker
    _check_engines(settings, runs_jobs=embedded)  # the embedded worker runs generations
    # Streaming connections stay open; on shutdown they get a few seconds, not forever.
    # Past max_connections new connections get 503 at once instead of memory and file
    # descriptors; request heads are capped at 64 KiB; idle keep-alive connections close
    # after 5 s. Bodies have their own limits (salon/web/bodies.py). Proxy headers are read
    # by the app from SALON_TRUSTED_PROXIES alone (uvicorn's own reading believes any
    # 127.0.0.1 peer).
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info",
                               "proxy_headers": False, "timeout_graceful_shutdown": 5,
                               "access_log": not no_access_log,
                               "log_config": uvicorn_log_config(),
                               "limit_concurrency": settings.max_connections or None,
                               "h11_max_incomplete_event_size": 64 * 1024,
                               "timeout_keep_alive": 5}
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together.")
    scheme = "http"
    if ssl_certfile:  # browser clients on other origins (Phanpy, Elk) only talk HTTPS
        options.update(ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
        scheme = "https"
    _link_to(settings, served_url(host, port, tls=bool(ssl_certfile)))
    if workers == 1:
        app = create_app(settings, run_worker=False if no_worker else None)
        click.echo(f"Starting Salon at {scheme}://{host}:{port}  (Ctrl+C stops it)")
        uvicorn.run(app, **options)
        return
    _check_processes(settings, workers, embedded)
    upgrade_sync(settings)  # once, before the processes start
    click.echo(f"Starting Salon at {scheme}://{host}:{port} in {workers} processes  "
               "(Ctrl+C stops it)")
    # Read by each process's own settings.
    os.environ["SALON_BASE_URL"] = settings.base_url
    if no_worker:
        os.environ["SALON_EMBEDDED_WORKER"] = "false"
    uvicorn.run("salon.app:create_app", factory=True, workers=workers, **options)


def _link_to(settings: Settings, served: str) -> None:
    """Links (media, streaming, OAuth) name SALON_BASE_URL or, unset, where this server listens."""
    if "base_url" in settings.model_fields_set:  # from the environment or .env
        click.echo(f"Links use {settings.base_url} (SALON_BASE_URL)")
        return
    settings.base_url = served
    click.echo(f"Links use {served} (set SALON_BASE_URL to change)")


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from salon.assistant.service import ensure_account
    from salon.db.migrate import upgrade_sync
    from salon.db.session import Database
    from salon.meaning import backfill

    settings = _settings()
    upgrade_sync(settings)

    async def accounts() -> tuple[str | None, str]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                made = await ensure_account(session, settings)
            searching = ""
            if not settings.is_sqlite:  # pgvector may have been installed since
                await backfill.ensure_pgvector(db)
                searching = await backfill.pgvector_state(db)
                if left := await backfill.uncopied(db, settings):
                    searching += f" ({left:,} vectors to copy in: run `salon embed --pgvector`)"
            return (made.username if made is not None else None), searching
        finally:
            await db.dispose()

    try:
        name, searching = asyncio.run(accounts())
    except ValueError as invalid:
        raise click.ClickException(f"Fix these settings: {invalid}") from None
    click.echo("Database is up to date." + (f" The assistant is @{name}." if name else ""))
    if searching:
        click.echo(searching)


@main.command()
@click.option("--all", "everything", is_flag=True,
              help="Embed every post again, not only those without a vector of the model.")
@click.option("--pgvector", "only_pgvector", is_flag=True,
              help="Only make pgvector's table (once the extension is installed) and copy the "
              "vectors in; no embedding.")
def embed(everything: bool, only_pgvector: bool) -> None:
    """Give posts their vectors for search by meaning, For You and feeds from a sentence:
    those without one of the configured model (SALON_EMBEDDINGS), or all with --all."""
    from salon.db.migrate import upgrade
    from salon.db.session import Database
    from salon.meaning import backfill
    from salon.meaning import service as meaning
    from salon.meaning.embedders import EmbeddingError
    from salon.progress import Progress

    settings = _settings()
    if settings.embeddings == "off":
        raise click.ClickException("SALON_EMBEDDINGS is off: there is nothing to embed with.")

    async def run() -> None:
        db = Database(settings)
        try:
            if settings.is_sqlite:
                await upgrade(settings, db.engine)
            made = await backfill.ensure_pgvector(db)  # first: new vectors go there too
            found = await meaning.model(settings)
            assert found is not None
            if not only_pgvector:
                async with db.sessions() as session:
                    total = await backfill.count(session, found.name, everything)
                    others = await backfill.other_models(session, found.name)
                click.echo(f"Model: {found.name}. {total:,} posts to embed"
                           + (" (all of them, --all)." if everything else "."))
                for name, n in others.items():
                    click.echo(f"  {n:,} posts have vectors of {name}: the model changed, "
                               "they are embedded again.")
                bar = Progress(total, "posts")
                done = await backfill.embed(db, settings, everything, bar.advance)
                bar.close()
                click.echo(f"Embedded {done.posts:,} posts in {done.seconds:.1f} s: "
                           f"{done.rate:,.1f} posts/s.")
            if not settings.is_sqlite:
                if made:
                    bar = Progress(await backfill.uncopied(db, settings), "vectors")
                    copied = await backfill.copy_to_pgvector(db, settings, bar.advance)
                    click.echo(f"pgvector: {copied:,} vectors copied into its HNSW index.")
                click.echo(await backfill.pgvector_state(db))
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except EmbeddingError as error:
        raise click.ClickException(f"Fix these settings: {error}") from None


@main.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Jobs run at once, 1 to 64 (default: SALON_WORKER_CONCURRENCY, 4).")
def worker(concurrency: int | None) -> None:
    """Run background jobs in this process until interrupted."""
    from salon import tasks
    from salon.app import warm as _warm
    from salon.db.migrate import upgrade
    from salon.db.session import Database
    from salon.events import bus
    from salon.jobs.worker import Worker
    from salon.timelines.store import close_stores

    settings = _settings()
    _check_engines(settings, runs_jobs=True)
    if "base_url" not in settings.model_fields_set:  # it cannot know where `serve` listens
        click.echo(f"Links in notifications use {settings.base_url}: set SALON_BASE_URL to "
                   "the server's address.")

    async def run() -> None:
        db = Database(settings)
        if settings.is_sqlite:  # as `salon serve` does on the embedded default
            await upgrade(settings, db.engine)
        events = bus.configure(settings)  # events reach other processes' streams over Redis
        stop = asyncio.Event()
        # SIGTERM (docker, systemd) as Ctrl+C: jobs in hand finish, none waits for its lease.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        warming = asyncio.create_task(asyncio.to_thread(_warm, settings))
        try:
            await Worker(db, concurrency=concurrency,
                         handlers=tasks.handlers()).run_forever(stop)
            await warming
        finally:
            await events.close()
            await close_stores()
            await db.dispose()

    asyncio.run(run())


@main.command("create-user")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make this account a moderator.")
@click.option("--password", envvar="SALON_NEW_PASSWORD", help="Asked for when not given.")
def create_user(username: str, admin: bool, password: str | None) -> None:
    """Create an account (use --admin for a moderator)."""
    from salon.accounts import service as accounts
    from salon.db.migrate import upgrade
    from salon.db.session import Database
    from salon.errors import SalonError

    if not password:
        password = getpass.getpass("Password: ")

    async def run() -> None:
        settings = _settings()
        db = Database(settings)
        try:
            if settings.is_sqlite:
                await upgrade(settings, db.engine)
            async with db.transaction() as session:
                await accounts.register(session, username, password, is_admin=admin)
        finally:
            await db.dispose()

    try:
        asyncio.run(run())
    except SalonError as error:
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(2)
    click.echo(f"Created @{username}{' (admin)' if admin else ''}.")


@main.command()
@click.option("--accounts", "n_accounts", default=24, show_default=True)
@click.option("--posts", "n_posts", default=300, show_default=True)
def seed(n_accounts: int, n_posts: int) -> None:
    """Fill the instance with demo people, pictures and conversations (safe to run twice)."""
    from salon.seed import run_seed

    asyncio.run(run_seed(_settings(), n_accounts, n_posts, echo=click.echo))


@main.command("bench-gpu")
@click.option("--sizes", default="sd-turbo,sdxl", show_default=True,
              help="Architectures: sd-turbo (SD 2.1 / SD-Turbo, 512 px), sdxl (SDXL / "
              "SDXL-Turbo, 1024 px), flux-schnell (FLUX.1, 1024 px; about 33 GB in bf16), "
              "tiny-sd, tiny-sdxl, tiny-flux.")
@click.option("--dtypes", default="float16,bfloat16", show_default=True)
@click.option("--compile", "compiles", type=click.Choice(["off", "on", "both"]),
              default="both", show_default=True, help="torch.compile the UNet.")
@click.option("--batches", default="1,4", show_default=True)
@click.option("--steps", type=click.IntRange(1, 100), default=4, show_default=True)
@click.option("--runs", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--device", default="cuda", show_default=True)
@click.option("--results", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench/results"), show_default=True)
def bench_gpu(sizes: str, dtypes: str, compiles: str, batches: str, steps: int, runs: int,
              device: str, results: Path) -> None:
    """Time the diffusers engine on random-weight SD-Turbo- and SDXL-size pipelines: ms per
    image and images/s per dtype, batch and torch.compile (needs the diffusers extra)."""
    from salon.bench import gpu

    try:
        gpu.run(comma_list(sizes), comma_list(dtypes),
                {"off": [False], "on": [True], "both": [False, True]}[compiles],
                [int(b) for b in comma_list(batches)], device, steps, runs, results,
                click.echo)
    except (ValueError, RuntimeError) as bad:
        raise click.ClickException(str(bad)) from None


@main.command("mcp")
@click.option("--token", envvar="SALON_MCP_TOKEN", required=True,
              help="A Salon access token of the account to act as (Settings → Connected "
                   "apps → New token).")
def mcp_stdio(token: str) -> None:
    """Serve MCP over stdio, for a local assistant that starts Salon itself."""
    from salon.mcp import stdio

    asyncio.run(stdio.run(_settings(), token))


@main.command()
@click.option("--quick", is_flag=True,
              help="A smaller instance (1,000 posting + 10,500 reading accounts, 50,000 "
              "posts): under a minute instead of about five.")
@click.option("--results", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench/results"), show_default=True,
              help="Folder for the Markdown report.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes (more than 1 needs SALON_REDIS_URL).")
def bench(quick: bool, results: Path, workers: int) -> None:
    """Measure home timeline throughput and latency against the stack's ceiling, fan-out,
    image generation and the assistant's answers (text and drawings, mention to reply), on
    a throwaway instance in the configured mode (needs wrk)."""
    from salon.bench.dataset import Scale
    from salon.bench.load import LoadToolMissing
    from salon.bench.run import BenchError, run_bench

    scale = Scale.quick() if quick else Scale.full()
    settings = _settings()
    _check_processes(settings, workers)
    try:
        asyncio.run(run_bench(settings, scale, quick, results, echo=click.echo,
                              workers=workers))
    except (LoadToolMissing, BenchError) as missing:
        raise click.ClickException(str(missing)) from None


@main.command("bench-feed")
@click.option("--people", type=click.IntRange(10, 100_000), default=300, show_default=True)
@click.option("--posts", type=click.IntRange(100, 1_000_000), default=6_000, show_default=True)
@click.option("--results", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench/results"), show_default=True,
              help="Folder for the Markdown report.")
def bench_feed(people: int, posts: int, results: Path) -> None:
    """Measure For You's ranking quality (recall@20, nDCG@20 of held-out likes) against the
    chronological home and "most liked", on a throwaway community with hidden tastes."""
    from salon.bench.feed import FeedScale, run_feed_bench
    from salon.bench.run import BenchError

    settings = _settings()
    try:
        asyncio.run(run_feed_bench(settings, FeedScale(people=people, posts=posts), results,
                                   echo=click.echo))
    except BenchError as missing:
        raise click.ClickException(str(missing)) from None


@main.command()
@click.option("--from", "source", required=True,
              help="The instance's database now: sqlite:///path/salon.db or postgresql://…")
@click.option("--to", "target", required=True, help="The empty database to move to.")
@click.option("--from-media", type=click.Path(file_okay=False), default=None,
              help="The media folder now (default: beside the source SQLite file).")
def transfer(source: str, target: str, from_media: str | None) -> None:
    """Move an instance to another database (and its media to SALON_MEDIA_URL's store),
    comparing row counts, checksums and file hashes afterwards."""
    from pathlib import Path

    from salon.media.store import LocalMediaStore, media_store
    from salon.transfer import TransferError
    from salon.transfer import transfer as run_transfer

    here = _settings()
    source_url = source.replace("sqlite:///", "sqlite+aiosqlite:///", 1)
    # New Settings, not copies: a copy would keep the other's cached database URL.
    src = Settings(**{**here.model_dump(), "database_url": source_url})
    dst = Settings(**{**here.model_dump(), "database_url": target})
    folder = Path(from_media) if from_media else (
        Path(source.split("sqlite:///", 1)[1]).parent / "media" if source.startswith("sqlite")
        else here.media_dir)
    click.echo(f"Copying {source} → {target}")
    try:
        reports = asyncio.run(run_transfer(src, dst, LocalMediaStore(folder), media_store(here),
                                           echo=click.echo))
    except TransferError as error:
        click.echo(f"Transfer failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Done: {len(reports)} tables, {sum(r.rows for r in reports)} rows; counts and "
               "checksums match.")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify(file: str) -> None:
    """Show a picture's content credentials and recipe; exit 1 unless the credentials are valid."""
    from salon.generation import credentials, provenance

    with open(file, "rb") as f:
        data = f.read()
    content_type = provenance.content_type_of(data)
    if content_type is None:
        click.echo(f"{file}: not a PNG, JPEG or WebP image.", err=True)
        sys.exit(1)
    creds = credentials.read(data, content_type, _settings())
    click.echo(f"{file} ({content_type})")
    if not creds.present:
        click.echo("Content credentials: none")
    else:
        if creds.valid:
            verdict = "valid"
        elif creds.state == "Valid":  # c2pa-rs: intact, but no trust anchor vouches for it
            verdict = "NOT valid: intact, but the signer is not from a trusted CA"
        else:
            verdict = "NOT valid: the picture or its manifest was altered, or cannot be read"
        click.echo(f"Content credentials: {verdict}")
        for reason in creds.explanations:
            click.echo(f"  problem: {reason}")
        if creds.signer:
            click.echo(f"  signed by: {creds.signer}"
                       + (f" ({creds.issuer})" if creds.issuer else ""))
        for action in creds.actions:
            click.echo(f"  action: {action.get('action')}")
        click.echo(f"  digital source type: {creds.digital_source_type or '-'}")
        click.echo(f"  software agent: {creds.software_agent or '-'}")
    recipe = provenance.read_recipe(data)
    if recipe is None:
        click.echo("Recipe: no recipe (hidden or absent)")
    else:
        click.echo("Recipe:")
        for key, value in recipe.items():
            click.echo(f"  {key}: {value}")
    sys.exit(0 if creds.valid else 1)


main.add_command(dataset)  # salon dataset export
main.add_command(bench_export)

if __name__ == "__main__":
    main()

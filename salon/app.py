"""create_app(settings): routes, templates, error pages, and the lifespan that migrates the
embedded database and starts the in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from salon import __version__, tasks
from salon.assistant import engines as text_engines
from salon.assistant import service as assistant
from salon.db import migrate
from salon.db.session import Database
from salon.errors import UNAVAILABLE, SalonError, storage_unreachable
from salon.events import bus as events_bus
from salon.generation import engines
from salon.jobs.worker import Worker
from salon.mcp import http as mcp_http
from salon.meaning import backfill, embedders
from salon.media.store import LocalMediaStore, media_origin, media_store
from salon.oauth.service import OAuthError
from salon.push import vapid
from salon.settings import Settings, configure
from salon.timelines.store import close_stores
from salon.web import docs, ratelimit
from salon.web.admission import Admission
from salon.web.bodies import BodyLimits
from salon.web.cors import Cors
from salon.web.deps import LoginRequired
from salon.web.media_signals import MediaSignals
from salon.web.proxies import TrustedProxies
from salon.web.render import is_htmx, page
from salon.web.security import HeadAsGet, SecurityHeaders

log = logging.getLogger("salon")
STATIC = Path(__file__).parent / "web" / "static"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Paths only programs call: their errors are JSON whatever the request accepts.
PROGRAMS_ONLY = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/")


NEXT_MAX = 4096  # characters of the address a sign-in returns to (OAuth's are < 1 KiB)


def create_app(settings: Settings | None = None, *, run_worker: bool | None = None) -> FastAPI:
    settings = configure(settings or Settings())
    run_worker = settings.embedded_worker if run_worker is None else run_worker
    # A misconfigured engine stops start-up, not a first generation.
    engines.check(settings, runs_jobs=run_worker)
    text_engines.check(settings, runs_jobs=run_worker)
    embedders.check(settings)  # a bad SALON_EMBEDDINGS stops start-up, not the first post
    vapid.keys(settings)  # Web Push's keys: made on first run, or a bad setting stops start-up

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings)
        app.state.db = db
        bus = events_bus.configure(settings)
        if settings.is_sqlite:
            await migrate.upgrade(settings, db.engine)
        await _ensure_assistant(db, settings)
        if not settings.is_sqlite and settings.embeddings != "off":
            log.info(await backfill.pgvector_state(db))  # HNSW, or exact and why
        stop = asyncio.Event()
        task = None
        if run_worker:
            worker = Worker(db, handlers=tasks.handlers())
            app.state.worker = worker
            task = asyncio.create_task(worker.run_forever(stop))
            warming = asyncio.create_task(asyncio.to_thread(warm, settings))
        # What startup built (routes, templates, mappers) lives as long as the process: kept
        # out of the collector's sight, full collections stay short (home p99 32 ms to 19).
        gc.collect()
        gc.freeze()
        try:
            async with mcp.running():  # /mcp's streams end before the database goes
                yield
        finally:
            stop.set()
            if task is not None:
                await task
                await warming
            await bus.close()
            await app.state.limiter.close()
            streams = getattr(app.state, "stream_listeners", None)  # made with a first stream
            if streams is not None:
                await streams.close()
            await close_stores()
            await db.dispose()

    app = FastAPI(
        title=settings.instance_name,
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = media_store(settings)
    app.state.media_origin = media_origin(app.state.store)  # for every page's CSP
    app.state.limiter = ratelimit.limiter(settings)
    app.add_middleware(HeadAsGet)
    app.add_middleware(Admission, limit=settings.max_active_requests)
    # Outside Admission: a request is admitted once its body is here (slow senders hold
    # no slot).
    app.add_middleware(BodyLimits, max_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes,
                       max_files=settings.max_media_per_post, timeout=settings.body_timeout,
                       min_rate=settings.body_min_rate)
    # Every layer below, limits per address included, sees the client a trusted proxy names.
    app.add_middleware(TrustedProxies, trusted=settings.trusted_proxies)
    app.add_middleware(Cors)  # preflights answered before any limit or route
    # Around everything: the answers the layers above give themselves (413, 408) carry the
    # same headers as the app's.
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies,
                       media_origin=app.state.media_origin)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if isinstance(app.state.store, LocalMediaStore):  # an object store serves its own files
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        app.mount("/media", MediaSignals(StaticFiles(directory=settings.media_dir)),
                  name="media")
    _errors(app)

    from salon.api.mastodon.routes import ROUTERS as API_ROUTERS
    from salon.web.routes import ROUTERS

    # Routes are tried in order, one by one: the API's first (clients make most requests;
    # no path is claimed by both).
    for router in API_ROUTERS:
        app.include_router(router)
    def wake_worker() -> None:  # what an MCP client wrote is worked on now, not next poll
        worker = getattr(app.state, "worker", None)
        if worker is not None:
            worker.wake.set()

    mcp = mcp_http.Mount(settings, lambda: app.state.db, wake_worker)
    app.router.routes.extend(mcp.routes())
    for router in ROUTERS:  # pages for people: not part of the API description
        app.include_router(router, include_in_schema=False)
    docs.mount(app)
    return app


async def _ensure_assistant(db: Database, settings: Settings) -> None:
    """The assistant's account, made, renamed or renewed from settings. Processes starting
    together may race to make it: the loser finds it made."""
    for attempt in range(2):
        try:
            async with db.transaction() as session:
                await assistant.ensure_account(session, settings)
            return
        except IntegrityError:
            if attempt:
                raise


def warm(settings: Settings) -> None:
    """Load the models of the image and text engines and the embeddings model (a worker
    that starts)."""
    engines.warm(settings)
    text_engines.warm(settings)
    embedders.warm(settings)


def _errors(app: FastAPI) -> None:
    def wants_json(request: Request) -> bool:
        return (
            request.url.path.startswith(PROGRAMS_ONLY)
            or "application/json" in request.headers.get("accept", "")
            and "text/html" not in request.headers.get("accept", "")
        )

    def answer(request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return JSONResponse({"error": message}, status_code=status)
        if is_htmx(request):
            response = page(request, "partials/flash.html", {"error": message}, status)
            response.headers["HX-Retarget"] = "#flash"
            response.headers["HX-Reswap"] = "innerHTML"
            return response
        return page(request, "error.html", {"status": status, "message": message}, status)

    @app.exception_handler(OAuthError)
    async def oauth_error(request: Request, exc: OAuthError) -> Response:
        # A person in a browser reads the consent page's errors; a program gets RFC 6749's.
        if request.url.path.rstrip("/") == "/oauth/authorize" and not wants_json(request):
            return answer(request, exc.status, exc.message)
        return JSONResponse({"error": exc.code, "error_description": exc.message},
                            status_code=exc.status)

    @app.exception_handler(SalonError)
    async def salon_error(request: Request, exc: SalonError) -> Response:
        return answer(request, exc.status, exc.message)

    async def unavailable(request: Request, exc: Exception) -> Response:
        """The database or Redis is down or restarting: say so at once (503, retry soon)
        instead of hanging; the pools reconnect by themselves when it is back."""
        if not storage_unreachable(exc):
            raise exc  # a real bug (an integrity error...) stays a 500
        log.warning("storage unavailable for %s %s: %s", request.method, request.url.path,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        response = answer(request, 503, "Salon cannot reach its storage right now; "
                                        "try again in a few seconds.")
        response.headers["Retry-After"] = "5"
        return response

    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"error": "Sign in first."}, status_code=401)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # Back here after signing in, unless "here" is absurdly long: quoted into Location
        # it could pass what clients read of a header line (64 KiB).
        target = f"/login?next={quote(here, safe='/')}" if len(here) <= NEXT_MAX else "/login"
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return answer(request, 422, f"Please correct the request: {problems}.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "There is nothing here.", 405: "That action is not allowed here."}.get(
            exc.status_code, str(exc.detail)
        )
        response = answer(request, exc.status_code, message)
        response.headers.update(exc.headers or {})  # WWW-Authenticate, Allow...
        if exc.status_code == 405:  # every method the path takes, not only its first route's
            response.headers["Allow"] = _allowed(request)
        return response


def _allowed(request: Request) -> str:
    """The methods some route takes at this path (routers nest: each method is asked of all)."""
    scope = {key: request.scope[key] for key in ("type", "path", "root_path")}
    methods = {method for method in METHODS if any(
        route.matches({**scope, "method": method})[0] is Match.FULL
        for route in request.app.router.routes)}
    if "GET" in methods:
        methods.add("HEAD")  # answered as GET (HeadAsGet)
    return ", ".join(sorted(methods))

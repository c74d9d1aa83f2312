"""/docs: the API reference, served from the swagger-ui-bundle package (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from salon.api.mastodon import openapi

router = APIRouter(include_in_schema=False)
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Salon API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>"""
# Swagger UI sets inline styles; this page alone allows them (it shows no user content).
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; object-src 'none'; frame-ancestors 'none'")


@router.get("/docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": CSP})


def mount(app: FastAPI) -> None:
    # The bundled Swagger UI (4.x) reads OpenAPI 3.0 documents only; FastAPI's schema
    # renders there when labelled 3.0 (the 3.1-only `null` types show as plain types).
    app.openapi_version = "3.0.3"
    openapi.describe(app)
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    app.include_router(router)

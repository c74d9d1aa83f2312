"""`salon serve --workers N`: several server processes on one port, sharing Redis."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from PIL import Image

from salon.cli import main
from salon.settings import served_url
from tests.conftest import PASSWORD, _free_port, salon_serve, settings_for
from tests.databases import REDIS, Databases, process_env


def test_several_processes_need_redis(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--workers", "2"], env={
        "SALON_DATA_DIR": str(tmp_path), "SALON_REDIS_URL": ""})
    assert result.exit_code == 2
    assert "--workers above 1 needs SALON_REDIS_URL" in result.output


def test_engine_settings_that_cannot_work_stop_serve_and_worker(tmp_path: Path) -> None:
    env = {"SALON_DATA_DIR": str(tmp_path), "SALON_ENGINES": "sketch,diffusers",
           "SALON_DIFFUSERS_MODEL": str(tmp_path / "nowhere")}
    for command in (["serve"], ["worker"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code != 0
        assert "Fix these settings: SALON_DIFFUSERS_MODEL=" in result.output
    model = tmp_path / "model"  # a pipeline's configs are enough to get past them
    (model / "unet").mkdir(parents=True)
    (model / "vae").mkdir()
    (model / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    for part in ("unet", "vae"):
        (model / part / "config.json").write_text('{"block_out_channels": [8, 16]}')
    result = CliRunner().invoke(main, ["serve", "--workers", "2"], env={
        **env, "SALON_DIFFUSERS_MODEL": str(model), "SALON_REDIS_URL": "redis://127.0.0.1:1"})
    assert result.exit_code == 2
    assert "load the diffusers model once per process: add --no-worker" in result.output
    # Commands that run no engine do not care.
    assert CliRunner().invoke(main, ["migrate"], env=env).exit_code == 0


@pytest.mark.skipif(not REDIS, reason="several processes share state through Redis")
def test_two_processes_serve_one_instance(tmp_path: Path, databases: Databases) -> None:
    database = databases.fresh(tmp_path)
    port = _free_port()
    env = {**process_env(settings_for(tmp_path, database)), "SALON_WORKER_POLL_SECONDS": "0.1",
           "SALON_BASE_URL": f"http://127.0.0.1:{port}", "SALON_REGISTRATIONS_OPEN": "true",
           "SALON_OAUTH_PASSWORD_GRANT": "true"}
    try:
        with salon_serve(env, tmp_path / "server.log", port, "--workers", "2") as base:
            children = subprocess.run(["pgrep", "-f", "multiprocessing.spawn"],
                                      capture_output=True, text=True).stdout.split()
            assert len(children) >= 2, (tmp_path / "server.log").read_text()
            asyncio.run(_post_and_read(base))
    finally:
        databases.drop(database)


async def _post_and_read(base: str) -> None:
    """Whichever process answers, a post is in its author's home and on the public timeline."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as web:
        app = (await web.post("/api/v1/apps", data={
            "client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"})).json()
        token = (await web.post("/api/v1/accounts", data={
            "username": "alice", "password": PASSWORD, "email": "a@example.org",
            "agreement": "true", "locale": "en"}, headers={"Authorization": "Bearer " + (
                await web.post("/oauth/token", data={
                    "grant_type": "client_credentials", "client_id": app["client_id"],
                    "client_secret": app["client_secret"], "scope": "read write"})
            ).json()["access_token"]})).json()["access_token"]
        me = {"Authorization": f"Bearer {token}"}
        posted = (await web.post("/api/v1/statuses", data={"status": "hello from one of two"},
                                 headers=me)).json()
        for _ in range(10):  # answered by either process
            home = (await web.get("/api/v1/timelines/home", headers=me)).json()
            assert [s["id"] for s in home] == [posted["id"]]


def test_links_name_the_port_serve_listens_on(tmp_path: Path, databases: Databases) -> None:
    """Without SALON_BASE_URL, `salon serve --port P` makes its links with port P, not 8000."""
    database = databases.fresh(tmp_path)
    port = _free_port()
    env = process_env(settings_for(tmp_path, database))
    env.pop("SALON_BASE_URL", None)
    log = tmp_path / "server.log"
    try:
        with salon_serve(env, log, port) as base:
            assert base == f"http://127.0.0.1:{port}"
            asyncio.run(_links(base, local_media="SALON_MEDIA_URL" not in env))
        assert f"Links use {base} (set SALON_BASE_URL to change)" in log.read_text()
    finally:
        databases.drop(database)


async def _links(base: str, local_media: bool) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as web:
        instance = (await web.get("/api/v1/instance")).json()
        assert instance["urls"]["streaming_api"] == base.replace("http", "ws", 1)
        assert (await web.get("/api/v2/instance")).json()["configuration"]["urls"][
            "streaming"] == base.replace("http", "ws", 1)
        oauth = (await web.get("/.well-known/oauth-authorization-server")).json()
        assert oauth["issuer"] == f"{base}/"
        assert oauth["token_endpoint"] == f"{base}/oauth/token"
        me = {"Authorization": f"Bearer {await _signed_up(web)}"}
        picture = io.BytesIO()
        Image.new("RGB", (32, 24), "teal").save(picture, "PNG")
        media = (await web.post("/api/v2/media", headers=me, files={
            "file": ("a.png", picture.getvalue(), "image/png")})).json()
        for _ in range(50):  # processed in the background past a size; this one is small
            if media["url"]:
                break
            await asyncio.sleep(0.1)
            media = (await web.get(f"/api/v1/media/{media['id']}", headers=me)).json()
        if local_media:  # on S3 the bucket's own address
            assert media["url"].startswith(f"{base}/media/"), media
            assert (await web.get(media["url"])).status_code == 200
        account = (await web.get("/api/v1/accounts/verify_credentials", headers=me)).json()
        assert account["url"] == f"{base}/@alice"


async def _signed_up(web: httpx.AsyncClient) -> str:
    """alice's token, from an app's sign-up as a Mastodon client does it."""
    app = (await web.post("/api/v1/apps", data={
        "client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write"})).json()
    client = (await web.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read write"})).json()["access_token"]
    return str((await web.post("/api/v1/accounts", data={
        "username": "alice", "password": PASSWORD, "email": "a@example.org",
        "agreement": "true", "locale": "en"}, headers={"Authorization": f"Bearer {client}"})
    ).json()["access_token"])


@pytest.mark.parametrize(("host", "port", "tls", "url"), [
    ("127.0.0.1", 8000, False, "http://127.0.0.1:8000"),
    ("0.0.0.0", 8055, False, "http://127.0.0.1:8055"),
    ("::", 8055, True, "https://127.0.0.1:8055"),
    ("::1", 8055, False, "http://[::1]:8055"),
    ("localhost", 443, True, "https://localhost"),
    ("salon.lan", 80, False, "http://salon.lan"),
])
def test_the_served_address(host: str, port: int, tls: bool, url: str) -> None:
    assert served_url(host, port, tls) == url


def test_an_explicit_base_url_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SALON_BASE_URL (environment or .env) is what links use, whatever `serve` listens on;
    unset, the address it listens on, https with a certificate, for every process."""
    import uvicorn

    ran: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.append({
        "base_url": app.state.settings.base_url if not isinstance(app, str)
        else os.environ["SALON_BASE_URL"], **options}))
    env = {"SALON_DATA_DIR": str(tmp_path), "SALON_ENV": "test", "SALON_BASE_URL": None,
           "SALON_EMBEDDED_WORKER": None}  # None: unset, and as before afterwards
    cert = tmp_path / "cert.pem"
    cert.write_text("not read: uvicorn.run is a stand-in")
    for args, base, said in [
        (["--port", "8055"], {}, "Links use http://127.0.0.1:8055 (set SALON_BASE_URL"),
        (["--port", "8443", "--host", "0.0.0.0", "--ssl-certfile", str(cert),
          "--ssl-keyfile", str(cert)], {}, "Links use https://127.0.0.1:8443 (set"),
        (["--port", "8055"], {"SALON_BASE_URL": "https://salon.example"},
         "Links use https://salon.example (SALON_BASE_URL)"),
        (["--port", "8056", "--workers", "2", "--no-worker"], {},
         "Links use http://127.0.0.1:8056 (set"),
    ]:
        result = CliRunner().invoke(main, ["serve", *args], env={
            **env, **base, "SALON_REDIS_URL": "redis://127.0.0.1:1" if "--workers" in args
            else ""})
        assert result.exit_code == 0, result.output
        assert said in result.output
        assert ran.pop()["base_url"] == said.split()[2]

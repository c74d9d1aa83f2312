"""A real HTTP server speaking OpenAI's embeddings API (`POST /v1/embeddings`), on
127.0.0.1, for the openai embedder's tests.

It records every request and answers as the API reference documents: `{"object": "list",
"data": [{"object": "embedding", "index": i, "embedding": [...]}], "model": ...,
"usage": {"prompt_tokens": n, "total_tokens": n}}`, each text's vector made from the text
itself (so a test can tell which row belongs to which text) and the rows sent in reverse
order (clients must place them by `index`). `fake.refuse(status, ...)` queues error answers
with the documented `{"error": {"message", "type", "param", "code"}}` body first.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import numpy as np

DIM = 8


def vector_of(text: str, dim: int = DIM) -> np.ndarray:
    """The server's (unnormalised) embedding of `text`."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=dim).astype(np.float32) * 3


@dataclass
class Refusal:
    status: int
    message: str
    retry_after: str | None = None
    echo_key: bool = False  # the message repeats the key it got, as a careless server might


@dataclass
class FakeEmbeddings:
    requests: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def refuse(self, *refusals: Refusal) -> None:
        with self.lock:
            self.refusals = list(refusals)


def _handler(fake: FakeEmbeddings) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake.lock:
                fake.requests.append({"path": self.path, "headers": headers, "body": body})
                refusal = fake.refusals.pop(0) if fake.refusals else None
            if self.path != "/v1/embeddings":
                return self._json(404, _error("Unknown path", "invalid_request_error"))
            if refusal is not None:
                message = refusal.message
                if refusal.echo_key:
                    message += f" You sent {headers.get('authorization')!r}."
                kind = "requests" if refusal.status == 429 else "invalid_request_error"
                extra = {"Retry-After": refusal.retry_after} if refusal.retry_after else {}
                return self._json(refusal.status, _error(message, kind), extra)
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            dim = body.get("dimensions") or DIM
            rows = [{"object": "embedding", "index": i,
                     "embedding": vector_of(t, dim).tolist()} for i, t in enumerate(texts)]
            tokens = sum(len(t.split()) for t in texts)
            self._json(200, {"object": "list", "data": rows[::-1], "model": body["model"],
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

        def _json(self, status: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}

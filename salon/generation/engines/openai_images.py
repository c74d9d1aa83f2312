"""The openai engine: OpenAI's Images API, or any server that speaks it (LocalAI, gateways).

Text-to-image posts JSON to {base}/images/generations; image-to-image posts the picture as a
PNG to {base}/images/edits (multipart). With SALON_OPENAI_PARTIAL_IMAGES > 0 the answer is
streamed as Server-Sent Events whose partial images become the live previews. A busy or
failing service (408, 429, 5xx, timeouts, dropped connections) is tried again with backoff.
Network waits run in a helper thread, so a cancel is noticed within POLL_SECONDS even while
the service is still thinking.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import math
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from PIL import Image, ImageOps

from salon import remote
from salon.generation.engines.base import (
    ASPECTS,
    Capabilities,
    EngineError,
    EngineRequest,
    Output,
    Progress,
)
from salon.settings import Settings

BACKOFF_SECONDS = 1.0  # the first wait before trying again; doubles each time
BACKOFF_MAX = 30.0  # no wait is longer, whatever Retry-After says
POLL_SECONDS = 0.2  # how often a wait looks for a cancel
CREEP_SECONDS = 30.0  # progress creeps towards half-way over about this long while waiting
# Error codes OpenAI (and compatible servers) use when the safety system refuses a prompt.
POLICY_CODES = frozenset({"moderation_blocked", "content_policy_violation", "content_filter"})
SIZES_HELP = ("write aspect=WxH pairs separated by commas, e.g. "
              "1:1=1024x1024,3:2=1536x1024,2:3=1024x1536, with aspects among "
              + ", ".join(ASPECTS))


class _Busy(Exception):
    """A failure worth trying again (after `retry_after` seconds, if the service said)."""

    def __init__(self, why: str, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.retry_after = retry_after


@dataclass
class _Event:
    kind: str  # "partial", "image" or "usage"
    slot: int = 0  # which candidate
    data: bytes = b""
    usage: dict[str, Any] = field(default_factory=dict)


def parse_sizes(text: str) -> dict[str, tuple[int, int]]:
    """SALON_OPENAI_SIZES ("1:1=1024x1024,...") as the composer's aspect -> pixel size."""
    sizes: dict[str, tuple[int, int]] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        aspect, _, size = (s.strip() for s in part.partition("="))
        width, _, height = size.lower().partition("x")
        if (aspect not in ASPECTS or aspect in sizes or not width.isdigit()
                or not height.isdigit() or int(width) < 1 or int(height) < 1):
            raise ValueError(f"SALON_OPENAI_SIZES has {part!r}; {SIZES_HELP}.")
        sizes[aspect] = (int(width), int(height))
    if not sizes:
        raise ValueError(f"SALON_OPENAI_SIZES is empty; {SIZES_HELP}.")
    return sizes


def from_settings(settings: Settings) -> OpenAIImagesEngine:
    """The engine for these settings; cheap (no network), so the composer can call it often."""
    if not settings.openai_model.strip():
        raise ValueError("The openai engine needs a model and no model list is hard-coded: set "
                         "SALON_OPENAI_MODEL to a model your server offers, e.g. gpt-image-1 "
                         "on OpenAI.")
    if urlsplit(settings.openai_base_url).scheme not in ("http", "https"):
        raise ValueError("SALON_OPENAI_BASE_URL must be an http(s) address such as "
                         f"https://api.openai.com/v1, not {settings.openai_base_url!r}.")
    return OpenAIImagesEngine(settings, parse_sizes(settings.openai_sizes))


class OpenAIImagesEngine:
    name = "openai"
    trained = True
    # The Images API takes the prompt and the size (the recipe's own) and no seed, steps,
    # guidance, negative prompt or style.
    recipe_fields: tuple[str, ...] = ()

    def __init__(self, settings: Settings, sizes: dict[str, tuple[int, int]]) -> None:
        self.settings = settings
        self.model = settings.openai_model.strip()
        self.base = settings.openai_base_url.rstrip("/")
        host = urlsplit(self.base).netloc
        self.title = settings.openai_label or self.model
        self.label = settings.openai_label or f"{self.model} (Images API at {host})"
        self.capabilities = Capabilities(
            text_to_image=True, image_to_image=True, negative_prompt=False, sizes=sizes,
            max_count=settings.openai_max_count, styles=(), default_steps=0,
            default_guidance=0.0, seeds=False, previews=settings.openai_partial_images > 0)

    def generate(self, request: EngineRequest, progress: Progress) -> Output:
        s = self.settings
        run = _Run(request, s.openai_partial_images, progress)
        with httpx.Client(timeout=httpx.Timeout(s.openai_timeout)) as client:
            for attempt in range(s.openai_retries + 1):
                run.restart()  # pictures from a failed try are not mixed with the next one's
                # (its usage, if the service reported any, is kept and counted)
                try:
                    _pump(self._exchange(client, request), run.take, run.tick)
                    break
                except _Busy as exc:
                    busy = exc
                except httpx.TimeoutException:
                    busy = _Busy(f"did not answer within {s.openai_timeout:g} seconds")
                except httpx.RequestError as exc:  # refused, reset, dropped mid-answer, ...
                    busy = _Busy(f"could not be reached ({type(exc).__name__})")
                if attempt == s.openai_retries:
                    raise EngineError(f"The image service is busy or unreachable ({busy}, "
                                      f"{attempt + 1} tries). Try again later.")
                _wait(_delay(attempt, busy.retry_after), run.tick)
        pictures = run.pictures()
        usage = {**_flat_usage(run.usage), "images": len(pictures)}
        return Output(pictures, usage, _cost(s, usage))

    # --- one try, in the helper thread ---------------------------------------------------

    def _exchange(self, client: httpx.Client, request: EngineRequest
                  ) -> Generator[_Event, None, None]:
        s, edit = self.settings, request.init_image is not None
        fields: dict[str, Any] = {"model": self.model, "prompt": request.prompt,
                                  "n": request.count, "size": f"{request.width}x{request.height}"}
        for key in ("quality", "output_format", "background", "moderation"):
            value = str(getattr(s, f"openai_{key}")).strip()
            if value and not (edit and key == "moderation"):  # edits take no moderation
                fields[key] = value
        if s.openai_partial_images > 0:
            fields |= {"stream": True, "partial_images": s.openai_partial_images}
        body: dict[str, Any]
        if request.init_image is not None:
            png = io.BytesIO()
            request.init_image.convert("RGB").save(png, "PNG")
            body = {"data": {k: str(v).lower() if isinstance(v, bool) else str(v)
                             for k, v in fields.items()},
                    "files": {"image": ("image.png", png.getvalue(), "image/png")}}
        else:
            body = {"json": fields}
        url = self.base + ("/images/edits" if edit else "/images/generations")
        with client.stream("POST", url, headers=self._auth(url), **body) as response:
            if response.status_code >= 400:
                response.read()
                raise _http_error(response)
            if "text/event-stream" in response.headers.get("content-type", ""):
                yield from self._streamed(client, response, request.count)
            else:  # also a server that ignores `stream` and answers plain JSON
                response.read()
                yield from self._answered(client, response)

    def _streamed(self, client: httpx.Client, response: httpx.Response,
                  count: int) -> Iterator[_Event]:
        completed = 0
        for name, raw in _sse(response):
            if raw.strip() == "[DONE]":
                break
            event = _parse(raw)
            kind = str(event.get("type") or name)
            if name == "error" or kind == "error" or "error" in event:
                raise _api_error(remote.error_of(event), None)
            # The documented events name no candidate: a server makes them one after another,
            # each one's partials before its `completed`.
            slot = min(completed, count - 1)
            if kind.endswith(".partial_image"):
                yield _Event("partial", slot, _b64(event.get("b64_json")))
            elif kind.endswith(".completed"):
                yield _Event("image", slot, self._image_bytes(client, response, event))
                completed += 1
                if isinstance(event.get("usage"), dict):
                    yield _Event("usage", usage=event["usage"])
        if completed < count:
            raise _Busy(f"its stream ended after {completed} of {count} pictures")

    def _answered(self, client: httpx.Client, response: httpx.Response) -> Iterator[_Event]:
        answer = _parse(response.text)
        if "error" in answer:
            raise _api_error(remote.error_of(answer), None)
        items = answer.get("data")
        if not isinstance(items, list) or not items:
            raise EngineError("The image service answered without any pictures. Try again.")
        for slot, item in enumerate(items):
            yield _Event("image", slot, self._image_bytes(client, response, item))
        if isinstance(answer.get("usage"), dict):
            yield _Event("usage", usage=answer["usage"])

    def _image_bytes(self, client: httpx.Client, response: httpx.Response, item: object
                     ) -> bytes:
        if not isinstance(item, dict):
            raise EngineError("The image service sent a picture entry Salon could not read.")
        if item.get("b64_json"):
            return _b64(item["b64_json"])
        url = item.get("url")
        if not isinstance(url, str) or not url:
            raise EngineError("The image service sent a picture with neither b64_json nor url.")
        target = str(response.url.join(url))  # some servers (LocalAI) link to their files
        fetched = client.get(target, headers=self._auth(target), follow_redirects=True)
        if fetched.status_code >= 500:
            raise _Busy(f"it answered {fetched.status_code} for a picture")
        if fetched.status_code >= 400:
            raise EngineError("The image service's picture could not be fetched "
                              f"({fetched.status_code}). Try again.")
        return fetched.content

    def _auth(self, url: str) -> dict[str, str]:
        # The key goes only to the service itself, never to another host a picture links to.
        key, mine, there = self.settings.openai_api_key, urlsplit(self.base), urlsplit(url)
        if not key or (mine.scheme, mine.netloc) != (there.scheme, there.netloc):
            return {}
        return {"Authorization": f"Bearer {key}"}


class _Run:
    """One generation's state in the engine's own thread: progress, previews, results."""

    def __init__(self, request: EngineRequest, partials: int, progress: Progress) -> None:
        self.request, self.partials, self.progress = request, partials, progress
        self.started = time.monotonic()
        self.previews: list[Image.Image | None] = [None] * request.count
        # What every try reported using: a try that failed late may have been charged too.
        self.usage: list[dict[str, Any]] = []
        self.restart()

    def restart(self) -> None:
        self.images: dict[int, bytes] = {}
        self.seen = 0

    def fraction(self) -> float:
        # Streamed events measure the work; without them, creep so people see it is alive.
        done = self.seen / (self.request.count * (self.partials + 1))
        waited = 1.0 - math.exp(-(time.monotonic() - self.started) / CREEP_SECONDS)
        return 0.02 + 0.88 * min(1.0, max(done, 0.5 * waited))

    def tick(self) -> None:
        self.progress(self.fraction())

    def take(self, event: _Event) -> None:
        if event.kind == "usage":
            self.usage.append(event.usage)
            return
        self.seen += 1
        if event.kind == "image":
            self.images[event.slot] = event.data
            self.tick()
            return
        with contextlib.suppress(EngineError):  # a preview is not worth failing for
            self.previews[event.slot] = _picture(event.data)
        width, height = self.request.width, self.request.height
        blank = Image.new("RGB", (max(1, width // 16), max(1, height // 16)), (128, 128, 128))
        self.progress(self.fraction(), [p or blank for p in self.previews])

    def pictures(self) -> list[Image.Image]:
        count, got = self.request.count, len(self.images)
        if got != count:
            raise EngineError(f"The image service made {got} pictures instead of {count}; "
                              "it may take fewer at once (SALON_OPENAI_MAX_COUNT). Try fewer.")
        size = (self.request.width, self.request.height)
        out = []
        for slot in sorted(self.images):
            picture = _picture(self.images[slot])
            if picture.size != size:  # a server that picked its own size: keep the aspect
                picture = ImageOps.fit(picture, size, Image.Resampling.LANCZOS)
            out.append(picture)
        return out


# --- helpers ---------------------------------------------------------------------------------


def _pump(events: Generator[_Event, None, None], take: Callable[[_Event], None],
          tick: Callable[[], None]) -> None:
    """Read `events` (blocking network reads) in a helper thread and hand each to `take`,
    calling `tick` every POLL_SECONDS meanwhile, so that a cancel (raised by either) is
    noticed at once. A helper left behind stops at its next event or read timeout."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def read() -> None:
        try:
            with contextlib.closing(events):
                for event in events:
                    box.put(("event", event))
                    if stop.is_set():
                        return
        except Exception as exc:
            box.put(("error", exc))
        else:
            box.put(("done", None))

    threading.Thread(target=read, name="openai-images", daemon=True).start()
    try:
        while True:
            try:
                kind, item = box.get(timeout=POLL_SECONDS)
            except queue.Empty:
                tick()
                continue
            if kind == "done":
                return
            if kind == "error":
                raise item
            take(item)
    finally:
        stop.set()


def _wait(seconds: float, tick: Callable[[], None]) -> None:
    """Sleep in short slices, ticking, so a cancel during a backoff is noticed."""
    end = time.monotonic() + seconds
    tick()
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(POLL_SECONDS, left))
        tick()


def _delay(attempt: int, retry_after: float | None) -> float:
    return remote.delay(attempt, retry_after, BACKOFF_SECONDS, BACKOFF_MAX)


def _http_error(response: httpx.Response) -> Exception:
    status = response.status_code
    try:
        error = remote.error_of(response.json())
    except ValueError:
        error = {"message": response.text.strip()[:200] or response.reason_phrase}
    if status == 429 and error.get("code") == "insufficient_quota":
        return EngineError("The image service's account has no credit left; an administrator "
                           "must top it up or change SALON_OPENAI_API_KEY.")
    if status in (408, 429) or status >= 500:
        return _Busy(f"it answered {status}", remote.retry_after(response.headers))
    if status in (401, 403):
        return EngineError(f"The image service refused this instance's API key ({status}: "
                           f"{_message(error)}). An administrator must check "
                           "SALON_OPENAI_API_KEY.")
    return _api_error(error, status)


def _api_error(error: dict[str, Any], status: int | None) -> Exception:
    code, message = str(error.get("code") or ""), _message(error)
    if code in POLICY_CODES:
        return EngineError(f"The image service refused this prompt ({code}): {message}. "
                           "Change the prompt and try again.")
    if code in ("rate_limit_exceeded", "server_error") or error.get("type") == "server_error":
        return _Busy(f"it reported {code or 'a server error'}")
    return EngineError(f"The image service could not make this ({status or code or 'error'}): "
                       f"{message}.")


def _message(error: dict[str, Any]) -> str:
    return str(error.get("message") or "no reason given").strip().rstrip(".")


def _parse(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise EngineError(f"The image service's answer is not the Images API's JSON (it begins "
                          f"{text[:60]!r}); an administrator should check SALON_OPENAI_BASE_URL.")
    return value


def _sse(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event name, data) for each Server-Sent Event."""
    name, data = "", list[str]()
    for line in response.iter_lines():
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "", list[str]()
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)
    if data:
        yield name, "\n".join(data)


def _b64(value: object) -> bytes:
    try:
        return base64.b64decode(str(value or ""), validate=True)
    except (binascii.Error, ValueError):
        raise EngineError("The image service sent a picture that is not valid base64. "
                          "Try again.") from None


def _picture(data: bytes) -> Image.Image:
    """RGB pixels; transparent parts (SALON_OPENAI_BACKGROUND=transparent) become white."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            if opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info:
                rgba = opened.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                return Image.alpha_composite(white, rgba).convert("RGB")
            return opened.convert("RGB")
    except Exception:  # Pillow raises many kinds for bad bytes; none may escape as such
        raise EngineError("The image service sent a picture Salon could not read. "
                          "Try again.") from None


def _flat_usage(reports: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The token counts as one flat dict of ints, summed over the streamed pictures."""
    out: dict[str, int] = {}
    for report in reports:
        found = {k: report.get(k) for k in ("input_tokens", "output_tokens", "total_tokens")}
        for side in ("input", "output"):
            details = report.get(f"{side}_tokens_details")
            if isinstance(details, dict):
                found |= {f"{side}_{k}": details.get(k) for k in ("text_tokens", "image_tokens")}
        for key, value in found.items():
            if isinstance(value, int) and not isinstance(value, bool):
                out[key] = out.get(key, 0) + value
    return out


def _cost(settings: Settings, usage: dict[str, int]) -> float | None:
    per_in, per_out = settings.openai_cost_per_m_input, settings.openai_cost_per_m_output
    if (per_in or per_out) and ("input_tokens" in usage or "output_tokens" in usage):
        return round((usage.get("input_tokens", 0) * per_in
                      + usage.get("output_tokens", 0) * per_out) / 1e6, 6)
    if settings.openai_cost_per_image:
        return round(usage["images"] * settings.openai_cost_per_image, 6)
    return None

"""The openai text engine: any server speaking OpenAI's Chat Completions API (OpenAI, vLLM,
llama.cpp's server, Ollama's /v1), at POST {base}/chat/completions.

An answer is a short exchange with the model: the system message says who the assistant is
and what it may do, the user message carries the thread as text (and its pictures, for
models that read them), and the model may call tools (read the thread, search posts, read
a recipe, draw or edit a picture) for up to MAX_ROUNDS rounds before it must answer. The
engine draws nothing itself: the first draw/edit call becomes `Reply.drawing`, which the
assistant makes through generation.service. A busy server (429, 5xx, a refused connection)
is tried again with backoff; every other failure is a TextEngineError a person can read.
The API key goes only into the Authorization header, never into a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from salon import remote
from salon.assistant.engines.base import (
    Conversation,
    Reply,
    Stream,
    TextCapabilities,
    TextEngineError,
    Tools,
)
from salon.assistant.engines.openai_chat_context import (
    Toolbox,
    ToolCall,
    final_nudge,
    pictures_to_show,
    system_prompt,
    thread_text,
    tool_definitions,
)
from salon.settings import Settings

BACKOFF_SECONDS = 1.0  # the first wait before trying again; doubles each time
BACKOFF_MAX = 10.0  # no wait is longer, whatever Retry-After says: someone is waiting
MAX_ROUNDS = 4  # rounds of tool calls; then the model must answer without tools
SERVER = "The language model's server"


def from_settings(settings: Settings) -> OpenAIChatEngine:
    """The engine for these settings: cheap, no network; `ready()` says what is missing."""
    return OpenAIChatEngine(settings)


class _Busy(Exception):
    """A failure worth trying again (after `retry_after` seconds, if the server said)."""

    def __init__(self, why: str, retry_after: float | None = None) -> None:
        super().__init__(why)
        self.retry_after = retry_after


class _TokenField(Exception):
    """The server wants `max_completion_tokens` instead of `max_tokens` (OpenAI's reasoning
    models do)."""


@dataclass
class _Turn:
    """What the model said in one round."""

    content: str = ""
    calls: dict[int, ToolCall] = field(default_factory=dict)  # by the index the server gave
    finish_reason: str = ""
    usage: dict[str, int] = field(default_factory=dict)


class _Written:
    """The answer's text as it is written, over every round, handed to `stream` piece by
    piece: what was streamed and `Reply.text` are the same text."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.in_round = False  # some text came in this round (a broken try can't be retried)

    def next_round(self) -> None:
        self.in_round = False

    def add(self, piece: str) -> None:
        if not piece:
            return
        if not self.in_round and self.text().strip():
            piece = "\n\n" + piece  # words before a tool call, then the answer: two paragraphs
        self.in_round = True
        self.parts.append(piece)
        if self.stream is not None:
            self.stream(piece)

    def text(self) -> str:
        return "".join(self.parts)


class OpenAIChatEngine:
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = settings.assistant_openai_model.strip()
        self.base = settings.assistant_openai_base_url.strip().rstrip("/")
        self.key = settings.assistant_openai_api_key.strip()
        self.label = f"{self.model or '(no model set)'} via an OpenAI-compatible API"
        self.capabilities = TextCapabilities(streaming=True, tool_calls=True,
                                             images=settings.assistant_openai_images)
        self.token_field = "max_tokens"  # becomes max_completion_tokens if the server asks

    def ready(self) -> None:
        address = urlsplit(self.base)
        if address.scheme not in ("http", "https") or not address.netloc:
            raise ValueError("SALON_ASSISTANT_OPENAI_BASE_URL must be an http(s) address such as "
                             "https://api.openai.com/v1 or http://localhost:11434/v1, not "
                             f"{self.settings.assistant_openai_base_url!r}.")
        if not self.model:
            raise ValueError("The openai text engine needs a model: set "
                             "SALON_ASSISTANT_OPENAI_MODEL to a chat model your server offers "
                             "(e.g. gpt-4o-mini on OpenAI, or the name vLLM, llama.cpp or "
                             "Ollama serves it under).")
        if address.hostname == "api.openai.com" and not self.key:
            raise ValueError("OpenAI's API needs a key: set SALON_ASSISTANT_OPENAI_API_KEY "
                             "(servers on your own machines may need none).")

    def answer(self, conversation: Conversation, tools: Tools,
               stream: Stream | None = None) -> Reply:
        try:
            self.ready()
        except ValueError as exc:
            raise TextEngineError(f"The assistant is not set up yet: {exc}") from None
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(conversation)},
            {"role": "user", "content": self._thread_message(conversation)}]
        offered = tool_definitions(conversation)
        toolbox = Toolbox(conversation, tools)
        written = _Written(stream)
        usage: dict[str, int] = {}
        turn = _Turn()
        timeout = httpx.Timeout(self.settings.assistant_openai_timeout)
        with httpx.Client(timeout=timeout) as client:
            for round_ in range(MAX_ROUNDS + 1):
                last = round_ == MAX_ROUNDS
                if last:  # the model still wants tools: it has what it will get
                    messages.append({"role": "user", "content": final_nudge(conversation)})
                written.next_round()
                turn = self._complete(client, messages, None if last else offered, written)
                for key, value in turn.usage.items():
                    usage[key] = usage.get(key, 0) + value
                calls = [] if last else [turn.calls[i] for i in sorted(turn.calls)]
                if not calls:
                    break
                for number, call in enumerate(calls):
                    call.id = call.id or f"call_{round_}_{number}"  # some servers send none
                messages.append({"role": "assistant", "content": turn.content or None,
                                 "tool_calls": [call.message() for call in calls]})
                messages += [{"role": "tool", "tool_call_id": call.id,
                              "content": toolbox.run(call)} for call in calls]
        text = written.text().strip()
        if not text:
            hint = (" (it ran out of tokens: an administrator may raise "
                    "SALON_ASSISTANT_OPENAI_MAX_TOKENS)" if turn.finish_reason == "length" else "")
            raise TextEngineError(f"The language model gave an empty answer{hint}. Try again.")
        return Reply(text, toolbox.drawing, usage=usage, cost_usd=self._cost(usage))

    def _thread_message(self, conversation: Conversation) -> str | list[dict[str, Any]]:
        text = thread_text(conversation)
        if not self.settings.assistant_openai_images:
            return text
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
        for post, number, picture in pictures_to_show(conversation):
            parts += [{"type": "text", "text": f"Picture {number} of post {post.id}:"},
                      {"type": "image_url", "image_url": {"url": picture.url}}]
        return parts if len(parts) > 1 else text

    # --- one round: a request, tried again while the server is busy ------------------------

    def _complete(self, client: httpx.Client, messages: list[dict[str, Any]],
                  tools: list[dict[str, Any]] | None, written: _Written) -> _Turn:
        body: dict[str, Any] = {"model": self.model, "messages": messages,
                                self.token_field: self.settings.assistant_openai_max_tokens}
        if tools:
            body |= {"tools": tools, "tool_choice": "auto"}
        if written.stream is not None:
            body |= {"stream": True, "stream_options": {"include_usage": True}}
        try:
            return self._tries(client, body, written)
        except _TokenField:
            self.token_field = "max_completion_tokens"  # and for the rounds that follow
            body["max_completion_tokens"] = body.pop("max_tokens")
            return self._tries(client, body, written)

    def _tries(self, client: httpx.Client, body: dict[str, Any], written: _Written) -> _Turn:
        s = self.settings
        for attempt in range(s.assistant_openai_retries + 1):
            try:
                return self._exchange(client, body, written)
            except _Busy as exc:
                busy = exc
            except httpx.TimeoutException:
                # Not tried again: someone is waiting, and a slow server stays slow.
                raise TextEngineError("The language model did not answer in time "
                                      f"({s.assistant_openai_timeout:g} s).") from None
            except httpx.ConnectError:
                busy = _Busy("could not be reached")
            except httpx.RequestError as exc:  # dropped or garbled mid-answer
                if written.in_round:  # part of it was shown already: trying again repeats it
                    raise TextEngineError("The language model's answer broke off "
                                          f"({type(exc).__name__}). Try again.") from None
                busy = _Busy(f"dropped the connection ({type(exc).__name__})")
            if attempt == s.assistant_openai_retries:
                raise TextEngineError(f"{SERVER} is busy or unreachable ({busy}; "
                                      f"{attempt + 1} tries). Try again later.")
            time.sleep(_delay(attempt, busy.retry_after))
        raise AssertionError("unreachable")

    def _exchange(self, client: httpx.Client, body: dict[str, Any], written: _Written) -> _Turn:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        with client.stream("POST", self.base + "/chat/completions", json=body,
                           headers=headers) as response:
            if response.status_code >= 400:
                response.read()
                raise self._http_error(response, body)
            if "text/event-stream" in response.headers.get("content-type", ""):
                return self._streamed(response, written)
            response.read()  # also a server that ignores `stream` and answers plain JSON
            turn = self._answered(self._parse(response.text))
            written.add(turn.content)
            return turn

    def _streamed(self, response: httpx.Response, written: _Written) -> _Turn:
        turn = _Turn()
        for data in _sse(response):
            if data.strip() == "[DONE]":
                break
            chunk = self._parse(data)
            if "error" in chunk:
                raise self._reported(chunk)
            if isinstance(chunk.get("usage"), dict):  # the last chunk, with include_usage
                turn.usage = _usage(chunk["usage"])
            choices = chunk.get("choices")
            if not isinstance(choices, list):
                raise self._unreadable(data)
            for choice in choices[:1]:  # n = 1: one answer
                delta = (choice.get("delta") or {}) if isinstance(choice, dict) else None
                if not isinstance(choice, dict) or not isinstance(delta, dict):
                    raise self._unreadable(data)
                piece = _text_of(delta.get("content"))
                turn.content += piece
                written.add(piece)
                self._merge_calls(turn, delta.get("tool_calls"), data)
                if choice.get("finish_reason"):
                    turn.finish_reason = str(choice["finish_reason"])
        return turn

    def _answered(self, answer: dict[str, Any]) -> _Turn:
        if "error" in answer:
            raise self._reported(answer)
        choices = answer.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(choice, dict) or not isinstance(message, dict):
            raise self._unreadable(json.dumps(answer))
        turn = _Turn(_text_of(message.get("content")),
                     finish_reason=str(choice.get("finish_reason") or ""))
        self._merge_calls(turn, message.get("tool_calls"), json.dumps(answer))
        if isinstance(answer.get("usage"), dict):
            turn.usage = _usage(answer["usage"])
        return turn

    def _merge_calls(self, turn: _Turn, parts: object, raw: str) -> None:
        """Add tool calls, or pieces of them: a streamed call comes as its index, id and name
        first, then its arguments a few characters at a time."""
        if parts is None:
            return
        if not isinstance(parts, list):
            raise self._unreadable(raw)
        for position, part in enumerate(parts):
            function = part.get("function") if isinstance(part, dict) else None
            if not isinstance(part, dict) or not isinstance(function or {}, dict):
                raise self._unreadable(raw)
            index = part.get("index")
            call = turn.calls.setdefault(index if isinstance(index, int) else position,
                                         ToolCall())
            call.id = str(part.get("id") or call.id)
            function = function or {}
            call.name = str(function.get("name") or call.name)
            arguments = function.get("arguments")
            if isinstance(arguments, dict):  # some servers send an object, not its JSON
                arguments = json.dumps(arguments)
            call.arguments += arguments if isinstance(arguments, str) else ""

    # --- failures, in words a person can read (and never with the key) ---------------------

    def _http_error(self, response: httpx.Response, body: dict[str, Any]) -> Exception:
        status = response.status_code
        try:
            error = remote.error_of(response.json())
        except ValueError:
            error = {"message": response.text.strip()[:200] or response.reason_phrase}
        message = self._scrub(_message(error))
        if status == 429 and error.get("code") == "insufficient_quota":
            return TextEngineError(f"{SERVER}'s account has no credit left; an administrator "
                                   "must top it up or change SALON_ASSISTANT_OPENAI_API_KEY.")
        if status in (408, 409, 429) or status >= 500:
            return _Busy(f"it answered {status}", remote.retry_after(response.headers))
        if status in (401, 403):
            return TextEngineError(f"{SERVER} refused the request: {message} ({status}; an "
                                   "administrator must check SALON_ASSISTANT_OPENAI_API_KEY).")
        if "max_tokens" in body and (error.get("param") == "max_tokens"
                                     or "max_completion_tokens" in message):
            return _TokenField()
        return TextEngineError(f"{SERVER} refused the request: {message}.")

    def _reported(self, payload: dict[str, Any]) -> TextEngineError:
        return TextEngineError(f"{SERVER} reported an error: "
                               f"{self._scrub(_message(remote.error_of(payload)))}. Try again.")

    def _unreadable(self, text: str) -> TextEngineError:
        return TextEngineError(f"{SERVER} sent an answer Salon could not read (it begins "
                               f"{self._scrub(text[:60])!r}); an administrator should check "
                               "SALON_ASSISTANT_OPENAI_BASE_URL.")

    def _parse(self, text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise self._unreadable(text)
        return value

    def _scrub(self, text: str) -> str:
        """A server may repeat what it was sent: the key never reaches a message."""
        return text.replace(self.key, "***") if self.key else text

    def _cost(self, usage: dict[str, int]) -> float | None:
        s = self.settings
        per_in, per_out = s.assistant_openai_cost_per_m_input, s.assistant_openai_cost_per_m_output
        if not (per_in or per_out) or not usage:
            return None
        return round((usage.get("prompt_tokens", 0) * per_in
                      + usage.get("completion_tokens", 0) * per_out) / 1e6, 8)


# --- helpers ---------------------------------------------------------------------------------


def _sse(response: httpx.Response) -> Iterator[str]:
    """The data of each Server-Sent Event (chunks are data-only events)."""
    data: list[str] = []
    for line in response.iter_lines():
        if not line:
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def _text_of(content: object) -> str:
    """A message's content: a string, or (some servers) a list of text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text") or "") for p in content
                       if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _usage(reported: dict[str, Any]) -> dict[str, int]:
    return {key: value for key in ("prompt_tokens", "completion_tokens")
            if isinstance(value := reported.get(key), int) and not isinstance(value, bool)}


def _delay(attempt: int, retry_after: float | None) -> float:
    return remote.delay(attempt, retry_after, BACKOFF_SECONDS, BACKOFF_MAX)


def _message(error: dict[str, Any]) -> str:
    return str(error.get("message") or "no reason given").strip()[:300].rstrip(".")

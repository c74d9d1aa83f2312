"""The openai text engine against a real local HTTP server speaking the Chat Completions API
(tests/assistant/fake_chat.py): what it sends, plain and streamed answers, tool calls put
together from streamed pieces, drawing and editing, retries and backoff, failures people can
read, images for models that read them, usage and cost, and its settings."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from salon.assistant.engines import openai_chat, pick
from salon.assistant.engines.base import (
    ContextPicture,
    ContextPost,
    Conversation,
    Drawing,
    Reply,
    TextEngineError,
)
from salon.assistant.engines.openai_chat import OpenAIChatEngine, from_settings
from salon.settings import Settings
from tests.assistant.fake_chat import FakeChat, busy, calls, garbage, refused, said

MODEL = "chat-test-1"
KEY = "sk-test-secret-123"
WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
KITE = ContextPicture(7, "a red kite over a beach", "http://salon.test/media/7.png",
                      recipe={"prompt": "a red kite", "engine": "sketch", "seed": 42},
                      engine="sketch", ai_generated=True)
HIDDEN = ContextPicture(8, "", "http://salon.test/media/8.png", engine="openai",
                        ai_generated=True)
PHOTO = ContextPicture(9, "a dog", "http://salon.test/media/9.png")
POSTS = (
    ContextPost(1, "alice", "Alice", "Look at my kite!", WHEN, "ancestor", likes=3,
                pictures=(KITE,)),
    ContextPost(2, "bob", "bob", "Mine is blue.", WHEN, "target", spoiler_text="kites",
                pictures=(HIDDEN,), remix_of=1, remix_of_author="alice", replies=2),
    ContextPost(3, "carol", "Carol", "@muse make it green", WHEN, "question"),
    ContextPost(4, "dave", "Dave", "Nice dog", WHEN, "reply", pictures=(PHOTO,)),
)


@pytest.fixture
def fake() -> Iterator[FakeChat]:
    with FakeChat() as server:
        yield server


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_chat, "BACKOFF_SECONDS", 0.01)


def settings_for(fake: FakeChat, **changes: Any) -> Settings:
    return Settings(_env_file=None, **{
        "env": "test", "assistant_engine": "openai", "assistant_openai_base_url": fake.url,
        "assistant_openai_model": MODEL, "assistant_openai_api_key": KEY, **changes})


def engine_for(fake: FakeChat, **changes: Any) -> OpenAIChatEngine:
    return from_settings(settings_for(fake, **changes))


def asked(**changes: Any) -> Conversation:
    return Conversation(**{
        "assistant": "muse", "asker": "carol", "question": "make it green", "language": "fr",
        "posts": POSTS, "target": POSTS[1], "max_chars": 300, **changes})


class FakeTools:
    """The assistant's Tools, recording what the engine asked."""

    def __init__(self, found: tuple[ContextPost, ...] = (),
                 recipes: dict[int, list[ContextPicture]] | None = None) -> None:
        self.found, self.recipes = found, recipes or {}
        self.searches: list[tuple[str, int]] = []
        self.recipe_reads: list[int] = []

    def search_posts(self, query: str, limit: int = 5) -> list[ContextPost]:
        self.searches.append((query, limit))
        return list(self.found[:limit])

    def read_recipe(self, post_id: int) -> list[ContextPicture]:
        self.recipe_reads.append(post_id)
        return self.recipes.get(post_id, [])


def answer(fake: FakeChat, conversation: Conversation | None = None,
           tools: FakeTools | None = None, streamed: list[str] | None = None,
           **changes: Any) -> Reply:
    return engine_for(fake, **changes).answer(
        conversation or asked(), tools or FakeTools(),
        streamed.append if streamed is not None else None)


def tool_results(fake: FakeChat, request: int = -1) -> dict[str, str]:
    """The tool messages of a request, by tool name (from the assistant message before)."""
    messages = fake.requests[request].messages
    names = {call["id"]: call["function"]["name"]
             for m in messages if m["role"] == "assistant" for call in m["tool_calls"]}
    return {names[m["tool_call_id"]]: m["content"] for m in messages if m["role"] == "tool"}


# --- plain answers and what is sent ----------------------------------------------------------


def test_a_plain_answer_and_the_request_that_asked_for_it(fake: FakeChat) -> None:
    fake.script(said("Voilà, en vert."))
    reply = answer(fake, assistant_openai_max_tokens=123)
    assert (reply.text, reply.drawing) == ("Voilà, en vert.", None)
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert (body["model"], body["max_tokens"], body["tool_choice"]) == (MODEL, 123, "auto")
    assert "stream" not in body and "stream_options" not in body
    assert request.tool_names == ["read_thread", "search_posts", "read_recipe", "draw", "edit"]
    search = body["tools"][1]["function"]["parameters"]
    assert search["required"] == ["query"] and search["properties"]["query"]["type"] == "string"
    system, user = request.messages
    assert system["role"] == "system" and user["role"] == "user"
    for said_ in ("@muse", "automated account", "@carol", "'fr'", "at most 293 characters",
                  "plain text", "Never invent", "drawn by sketch"):
        assert said_ in system["content"], said_
    thread = user["content"]
    assert isinstance(thread, str)
    for said_ in ("[post 1] @alice (Alice), ancestor, 2024-05-01 12:30, 3 likes",
                  "[post 2] @bob, target", "content warning: kites",
                  "remix of post 1 by @alice", "  Mine is blue.",
                  "picture 1: alt text 'a red kite over a beach'; AI-generated; recipe "
                  '{"engine": "sketch", "prompt": "a red kite", "seed": 42}',
                  "picture 1: no alt text; AI-generated; made with openai, recipe hidden",
                  "[post 3] @carol (Carol), question", "The question from @carol: make it "
                  "green"):
        assert said_ in thread, said_
    assert "truncated" not in thread and "image_url" not in json.dumps(body)


def test_a_truncated_thread_says_so_and_no_key_sends_no_authorization(fake: FakeChat) -> None:
    answer(fake, asked(truncated=True), assistant_openai_api_key="")
    [request] = fake.requests
    assert "authorization" not in request.headers
    assert "(thread truncated" in request.messages[1]["content"]


def test_explain_mode_offers_no_drawing(fake: FakeChat) -> None:
    fake.script(calls(("draw", {"prompt": "a cat"})), said("It is a remix of Alice's kite."))
    reply = answer(fake, asked(explain=True))
    assert reply.text == "It is a remix of Alice's kite." and reply.drawing is None
    first = fake.requests[0]
    assert first.tool_names == ["read_thread", "search_posts", "read_recipe"]
    system = first.messages[0]["content"]
    assert "explain post 2 by @bob" in system and "privately" in system
    assert "asks you to explain post 2" in first.messages[1]["content"]
    assert tool_results(fake)["draw"].startswith("Error: there is no tool named 'draw'")


# --- streaming -------------------------------------------------------------------------------


def test_streamed_pieces_reach_stream_and_make_the_text(fake: FakeChat) -> None:
    words = "Le cerf-volant est maintenant vert, comme demandé."
    fake.script(said(words, piece=5, usage=(40, 12)))
    pieces: list[str] = []
    reply = answer(fake, streamed=pieces)
    assert len(pieces) == 10 and "".join(pieces) == words == reply.text
    body = fake.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert reply.usage == {"prompt_tokens": 40, "completion_tokens": 12}


def test_a_server_that_ignores_stream_still_answers(fake: FakeChat) -> None:
    fake.script(said("Whole at once.", plain=True))
    pieces: list[str] = []
    assert answer(fake, streamed=pieces).text == "Whole at once."
    assert pieces == ["Whole at once."]


def test_a_stream_that_breaks_off_is_an_error_not_a_retry(fake: FakeChat) -> None:
    fake.script(said("This answer will stop in the middle.", kind="cut"))
    pieces: list[str] = []
    with pytest.raises(TextEngineError, match=r"answer broke off \(RemoteProtocolError\)"):
        answer(fake, streamed=pieces)
    assert pieces == ["This", " ans"] and len(fake.requests) == 1


def test_words_before_a_tool_call_are_kept_as_a_paragraph(fake: FakeChat) -> None:
    fake.script(calls(("read_thread", {}), text="Let me read the thread."),
                said("It is about kites."))
    pieces: list[str] = []
    reply = answer(fake, streamed=pieces)
    assert reply.text == "".join(pieces) == "Let me read the thread.\n\nIt is about kites."
    assert fake.requests[1].messages[2]["content"] == "Let me read the thread."


# --- tools -----------------------------------------------------------------------------------


@pytest.mark.parametrize("streaming", [False, True])
def test_search_posts_round_trip(fake: FakeChat, streaming: bool) -> None:
    found = ContextPost(40, "erin", "Erin", "Green kites fly best in May.", WHEN, "reply")
    tools = FakeTools(found=(found,))
    fake.script(calls(("search_posts", {"query": "green kites", "limit": 3}), piece=3),
                said("Erin says green kites fly best in May."))
    pieces: list[str] = []
    reply = answer(fake, tools=tools, streamed=pieces if streaming else None)
    assert reply.text == "Erin says green kites fly best in May."
    assert tools.searches == [("green kites", 3)] and len(fake.requests) == 2
    messages = fake.requests[1].messages
    assistant, result = messages[2], messages[3]
    [call] = assistant["tool_calls"]
    assert assistant["role"] == "assistant" and call["type"] == "function"
    assert call["function"] == {"name": "search_posts",
                                "arguments": '{"query": "green kites", "limit": 3}'}
    assert result["role"] == "tool" and result["tool_call_id"] == call["id"]
    [post] = json.loads(result["content"])
    assert (post["id"], post["author"], post["text"]) == (40, "erin", found.text)
    assert reply.usage == {"prompt_tokens": 200, "completion_tokens": 40}
    if streaming:
        assert "".join(pieces) == reply.text and fake.requests[1].body["stream"] is True


def test_read_thread_and_read_recipe(fake: FakeChat) -> None:
    tools = FakeTools(recipes={1: [KITE]})
    fake.script(calls(("read_thread", "{}"), ("read_recipe", {"post_id": "1"}),
                      ("read_recipe", {"post_id": 99})), said("Seed 42."))
    assert answer(fake, tools=tools).text == "Seed 42."
    assert tools.recipe_reads == [1, 99]
    messages = fake.requests[1].messages
    thread = json.loads(messages[3]["content"])
    assert [p["id"] for p in thread["posts"]] == [1, 2, 3, 4] and thread["target"] == 2
    assert thread["posts"][1]["pictures"] == [{"media_id": 8, "description": "",
                                               "ai_generated": True, "engine": "openai",
                                               "recipe": "hidden"}]
    assert json.loads(messages[4]["content"])[0]["recipe"]["seed"] == 42
    assert messages[5]["content"] == "Post 99 has no pictures you may see (or no such post)."


def test_draw_becomes_the_replys_drawing(fake: FakeChat) -> None:
    fake.script(calls(("draw", {"prompt": "a green kite"})), said("Here is your green kite."))
    reply = answer(fake)
    assert reply.drawing == Drawing("a green kite")
    assert "the picture will be attached to your reply" in tool_results(fake)["draw"]


def test_edit_of_a_picture_above_sets_the_source(fake: FakeChat) -> None:
    fake.script(calls(("edit", {"prompt": "make it green", "post_id": 1})), said("Greener."))
    reply = answer(fake)
    assert reply.drawing == Drawing("make it green", KITE, 1)
    assert "will be attached" in tool_results(fake)["edit"]


@pytest.mark.parametrize(("arguments", "error"), [
    ({"prompt": "green", "post_id": 77}, "post 77 is not in this thread"),
    ({"prompt": "green", "post_id": 4}, "post 4 is a reply below the question"),
    ({"prompt": "green", "post_id": 3}, "post 3 has no pictures to edit"),
    ({"prompt": "green", "post_id": 1, "picture": 2}, "post 1 has 1 picture(s), not a picture 2"),
    ({"prompt": "", "post_id": 1}, "prompt must be a non-empty string"),
    ({"prompt": "green"}, "post_id must be a whole number"),
    ('{"prompt": "gre', "the arguments are not valid JSON"),
])
def test_an_edit_that_cannot_be_done_is_an_error_for_the_model(
    fake: FakeChat, arguments: dict[str, Any] | str, error: str
) -> None:
    fake.script(calls(("edit", arguments)), said("I can't edit that one."))
    reply = answer(fake)
    assert reply.text == "I can't edit that one." and reply.drawing is None
    assert tool_results(fake)["edit"].startswith(f"Error: {error}")


def test_no_pictures_left_means_no_drawing(fake: FakeChat) -> None:
    fake.script(calls(("draw", {"prompt": "a kite"})), said("No pictures left today, sorry."))
    reply = answer(fake, asked(can_draw=False))
    assert reply.drawing is None
    assert "@carol has no pictures left today" in tool_results(fake)["draw"]
    assert "has no pictures left today" in fake.requests[0].messages[0]["content"]


def test_only_the_first_drawing_is_kept(fake: FakeChat) -> None:
    fake.script(calls(("draw", {"prompt": "one"}), ("draw", {"prompt": "two"})), said("Done."))
    assert answer(fake).drawing == Drawing("one")
    results = [m["content"] for m in fake.requests[1].messages if m["role"] == "tool"]
    assert "will be attached" in results[0] and "one picture per answer" in results[1]


def test_after_four_rounds_of_tools_the_model_must_answer(fake: FakeChat) -> None:
    fake.script(*[calls(("search_posts", {"query": f"q{i}"})) for i in range(4)],
                calls(("search_posts", {"query": "again"}), text="Nothing found, sorry."))
    tools = FakeTools()
    reply = answer(fake, tools=tools)
    assert reply.text == "Nothing found, sorry." and len(fake.requests) == 5
    assert [q for q, _ in tools.searches] == ["q0", "q1", "q2", "q3"]
    last = fake.requests[-1]
    assert "tools" not in last.body and "tool_choice" not in last.body
    assert "used all your tool calls" in last.messages[-1]["content"]
    assert reply.usage == {"prompt_tokens": 500, "completion_tokens": 100}


# --- retries and failures ----------------------------------------------------------------


def test_a_429_is_tried_again_after_retry_after(fake: FakeChat) -> None:
    fake.script(busy(429, retry_after="0.4"), said("Made it."))
    started = time.monotonic()
    assert answer(fake).text == "Made it."
    assert time.monotonic() - started >= 0.4 and len(fake.requests) == 2


def test_retry_after_is_capped(fake: FakeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_chat, "BACKOFF_MAX", 0.05)
    fake.script(busy(503, retry_after="3600"), said("Back."))
    started = time.monotonic()
    assert answer(fake).text == "Back." and time.monotonic() - started < 2


def test_server_errors_exhausted_are_a_clear_error(fake: FakeChat) -> None:
    fake.script(*[busy(500, retry_after=None)] * 3)
    with pytest.raises(TextEngineError) as caught:
        answer(fake, assistant_openai_retries=2)
    assert str(caught.value) == ("The language model's server is busy or unreachable (it "
                                 "answered 500; 3 tries). Try again later.")
    assert len(fake.requests) == 3


def test_a_slow_server_times_out(fake: FakeChat) -> None:
    fake.script(said("Too late.", delay=1.5))
    started = time.monotonic()
    with pytest.raises(TextEngineError) as caught:
        answer(fake, assistant_openai_timeout=0.3)
    assert str(caught.value) == "The language model did not answer in time (0.3 s)."
    assert time.monotonic() - started < 1.4 and len(fake.requests) == 1


def test_an_unreachable_server_is_a_clear_error() -> None:
    with FakeChat() as gone:
        url = gone.url  # a port that was just closed
    settings = Settings(_env_file=None, env="test", assistant_openai_base_url=url,
                        assistant_openai_model=MODEL, assistant_openai_retries=1)
    with pytest.raises(TextEngineError, match=r"busy or unreachable \(could not be reached; "
                                              r"2 tries\)"):
        from_settings(settings).answer(asked(), FakeTools())


@pytest.mark.parametrize(("reply", "says"), [
    (garbage(b"<html>Bad gateway</html>", "text/html"), r"could not read \(it begins '<html>"),
    (garbage(b'{"object": "list", "data": []}'), "could not read"),
    (garbage(b'{"choices": [{"index": 0, "message": "hi"}]}'), "could not read"),
    (garbage(b"[1, 2]"), "could not read"),
    (garbage(b'{"error": {"message": "Model not loaded"}}'), "reported an error: Model not "
                                                             "loaded"),
    (said(""), "gave an empty answer. Try again"),
    (said("", finish="length"), "empty answer \\(it ran out of tokens.*MAX_TOKENS\\)"),
])
def test_a_bad_answer_is_a_clear_error(fake: FakeChat, reply: Any, says: str) -> None:
    fake.script(reply)
    with pytest.raises(TextEngineError, match=says):
        answer(fake)
    assert len(fake.requests) == 1


def test_garbage_in_a_stream_is_a_clear_error(fake: FakeChat) -> None:
    fake.script(garbage(b"data: {not json\n\n", "text/event-stream"))
    with pytest.raises(TextEngineError, match=r"could not read \(it begins '\{not json'\)"):
        answer(fake, streamed=[])


def test_a_refused_request_passes_the_servers_message_on(fake: FakeChat) -> None:
    fake.script(refused(404, "The model `chat-test-1` does not exist."))
    with pytest.raises(TextEngineError) as caught:
        answer(fake)
    assert str(caught.value) == ("The language model's server refused the request: The model "
                                 "`chat-test-1` does not exist.")
    assert len(fake.requests) == 1


def test_a_server_that_wants_max_completion_tokens_gets_it(fake: FakeChat) -> None:
    fake.script(refused(400, "Unsupported parameter: 'max_tokens' is not supported with this "
                        "model. Use 'max_completion_tokens' instead.", param="max_tokens"),
                calls(("draw", {"prompt": "x"})), said("Fine."))
    assert answer(fake, assistant_openai_max_tokens=77).text == "Fine."
    first, second, third = (r.body for r in fake.requests)
    assert first["max_tokens"] == 77 and "max_completion_tokens" not in first
    for later in (second, third):
        assert later["max_completion_tokens"] == 77 and "max_tokens" not in later


@pytest.mark.parametrize(("reply", "masked"), [
    (refused(401, "Incorrect API key.", echo_key=True), True),
    (refused(400, "Bad things.", echo_key=True), True),
    (busy(500, echo_key=True), False),  # tried again, then "it answered 500"
    (garbage(f'{{"error": {{"message": "you sent Bearer {KEY}"}}}}'.encode()), True),
    (garbage(f"<html>{KEY}</html>".encode(), "text/html"), True),
])
def test_the_api_key_never_appears_in_an_error(fake: FakeChat, reply: Any,
                                               masked: bool) -> None:
    fake.script(reply, reply)
    with pytest.raises(TextEngineError) as caught:
        answer(fake, assistant_openai_retries=1)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert ("***" in str(caught.value)) == masked, caught.value


def test_a_refused_key_names_the_setting(fake: FakeChat) -> None:
    fake.script(refused(401, "Incorrect API key provided."))
    with pytest.raises(TextEngineError, match=r"refused the request: Incorrect API key provided "
                                              r"\(401; an administrator must check SALON_ASSIST"):
        answer(fake)


def test_an_account_out_of_credit_is_not_tried_again(fake: FakeChat) -> None:
    fake.script(busy(429, code="insufficient_quota"))
    with pytest.raises(TextEngineError, match="no credit left"):
        answer(fake)
    assert len(fake.requests) == 1


# --- images, usage, cost ---------------------------------------------------------------------


def test_pictures_are_sent_only_when_the_setting_is_on(fake: FakeChat) -> None:
    answer(fake)
    assert isinstance(fake.requests[0].messages[1]["content"], str)
    answer(fake, assistant_openai_images=True)
    parts = fake.requests[1].messages[1]["content"]
    assert parts[0]["type"] == "text" and "[post 1] @alice" in parts[0]["text"]
    images = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert images == [HIDDEN.url, KITE.url, PHOTO.url]  # the target's first
    labels = [p["text"] for p in parts[1:] if p["type"] == "text"]
    assert labels == ["Picture 1 of post 2:", "Picture 1 of post 1:", "Picture 1 of post 4:"]


def test_usage_and_cost_over_rounds(fake: FakeChat) -> None:
    fake.script(calls(("read_thread", {}), usage=(1000, 50)), said("Ok.", usage=(1200, 30)))
    reply = answer(fake, assistant_openai_cost_per_m_input=0.5,
                   assistant_openai_cost_per_m_output=2.0)
    assert reply.usage == {"prompt_tokens": 2200, "completion_tokens": 80}
    assert reply.cost_usd == pytest.approx((2200 * 0.5 + 80 * 2.0) / 1e6)
    fake.script(said("Free.", usage=None))
    free = answer(fake)
    assert free.usage == {} and free.cost_usd is None
    assert answer(fake).cost_usd is None  # tokens reported, but no prices set


# --- settings ---------------------------------------------------------------------------------


def test_from_settings_describes_the_engine_without_network(fake: FakeChat) -> None:
    engine = engine_for(fake, assistant_openai_images=True)
    assert (engine.name, engine.model) == ("openai", MODEL)
    assert engine.label == f"{MODEL} via an OpenAI-compatible API"
    caps = engine.capabilities
    assert (caps.streaming, caps.tool_calls, caps.images) == (True, True, True)
    assert not engine_for(fake).capabilities.images
    assert isinstance(pick(settings_for(fake)), OpenAIChatEngine)
    engine.ready()
    engine_for(fake, assistant_openai_api_key="").ready()  # a local server needs no key
    assert fake.requests == []


@pytest.mark.parametrize(("changes", "names"), [
    ({"assistant_openai_model": " "}, "SALON_ASSISTANT_OPENAI_MODEL"),
    ({"assistant_openai_base_url": ""}, "SALON_ASSISTANT_OPENAI_BASE_URL"),
    ({"assistant_openai_base_url": "localhost:8080/v1"}, "SALON_ASSISTANT_OPENAI_BASE_URL"),
    ({"assistant_openai_base_url": "https://api.openai.com/v1", "assistant_openai_api_key": ""},
     "SALON_ASSISTANT_OPENAI_API_KEY"),
])
def test_ready_names_the_missing_setting(fake: FakeChat, changes: dict[str, Any],
                                         names: str) -> None:
    engine = engine_for(fake, **changes)
    with pytest.raises(ValueError, match=names):
        engine.ready()
    with pytest.raises(TextEngineError, match=f"not set up yet: .*{names}"):
        engine.answer(asked(), FakeTools())
    assert fake.requests == []

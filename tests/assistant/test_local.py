"""The transformers text engine on a tiny random-weight chat model built offline (a 2-layer
Llama and a word-level tokenizer with a chat template, saved by transformers): readiness of
the folder, greedy answers that repeat, streaming, max_new_tokens, the drawing rule, the
prompt it writes, failures said as TextEngineError, and no torch until a model is used."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from salon.assistant.engines import local
from salon.assistant.engines.base import (
    ContextPicture,
    ContextPost,
    Conversation,
    Drawing,
    TextEngineError,
)
from salon.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WORDS = ("the a fox cat red blue snow sky tree light picture drawn painted soft warm cold "
         "bright dark river hill city night morning small large quiet").split()
SPECIAL = ["<unk>", "<pad>", "<s>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> "
            "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")
# Gemma's way: no system messages.
NO_SYSTEM = ("{% for m in messages %}{% if m['role'] == 'system' %}"
             "{{ raise_exception('System role not supported') }}{% endif %}"
             "<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
             "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def build_chat_model(folder: Path, context: int = 4096) -> Path:
    """A chat model with random weights: what a real one's folder holds, in miniature."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate([*SPECIAL, *WORDS, *".,?!:"])}
    words = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    words.normalizer = normalizers.Lowercase()
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    words.add_special_tokens(SPECIAL)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, unk_token="<unk>",
                                        pad_token="<pad>", bos_token="<s>",
                                        eos_token="<|end|>")
    tokenizer.chat_template = TEMPLATE
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=context, pad_token_id=1, bos_token_id=2,
                         eos_token_id=3)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = LlamaForCausalLM(config)
    with torch.no_grad():  # it writes words, never a special token (nor stops early)
        model.lm_head.weight[:len(SPECIAL)] = 0.0
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def chat_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_chat_model(tmp_path_factory.mktemp("models") / "tiny-chat")


def engine_for(model: Path | str, **changes: Any) -> local.TransformersChatEngine:
    return local.from_settings(Settings(**{
        "assistant_transformers_model": str(model), "assistant_transformers_device": "cpu",
        "assistant_transformers_max_new_tokens": 8, **changes}))


NOW = datetime(2025, 5, 1, tzinfo=UTC)
FOX = ContextPicture(media_id=7, description="a red fox in the snow", url="http://x/7.png",
                     recipe={"prompt": "a red fox, snow", "engine": "diffusers", "seed": 5,
                             "negative_prompt": ""},
                     engine="diffusers", ai_generated=True)
HIDDEN = ContextPicture(media_id=8, description="", url="http://x/8.png", engine="sketch",
                        ai_generated=True)


def conversation(question: str = "what is in the picture?", **changes: Any) -> Conversation:
    target = ContextPost(id=1, author="alice", author_name="Alice", text="my fox, at night",
                         created_at=NOW, role="target", pictures=(FOX,))
    reply = ContextPost(id=2, author="bob", author_name="Bob", text="lovely  colours",
                        created_at=NOW, role="reply", pictures=(HIDDEN,), remix_of=1,
                        remix_of_author="alice")
    asked = ContextPost(id=3, author="carol", author_name="Carol", text=f"@muse {question}",
                        created_at=NOW, role="question")
    return Conversation(**{"assistant": "muse", "asker": "carol", "question": question,
                           "language": "en", "posts": (target, reply, asked),
                           "target": target, **changes})


class NoTools:
    def search_posts(self, query: str, limit: int = 5) -> list[ContextPost]:
        raise AssertionError("an engine without tool calls called a tool")

    def read_recipe(self, post_id: int) -> list[ContextPicture]:
        raise AssertionError("an engine without tool calls called a tool")


def test_the_folder_must_hold_a_chat_model(chat_model: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SALON_ASSISTANT_TRANSFORMERS_MODEL must name"):
        engine_for("").ready()
    with pytest.raises(ValueError, match="is not a folder here"):
        engine_for(tmp_path / "absent").ready()
    with pytest.raises(ValueError, match="has no config.json"):
        engine_for(tmp_path).ready()
    plain = shutil.copytree(chat_model, tmp_path / "base-model")
    (plain / "chat_template.jinja").unlink()
    with pytest.raises(ValueError, match="has no chat template"):
        engine_for(plain).ready()
    with pytest.raises(ValueError, match="SALON_ASSISTANT_TRANSFORMERS_DEVICE must be"):
        engine_for(chat_model, assistant_transformers_device="gpu")
    engine = engine_for(chat_model)
    engine.ready()
    assert engine.label == "tiny-chat (local model)"
    assert engine.model == "tiny-chat" and engine.name == "transformers"
    caps = engine.capabilities
    assert caps.streaming and not caps.tool_calls and not caps.images


def test_a_template_in_tokenizer_config_counts(chat_model: Path, tmp_path: Path) -> None:
    """Older transformers keep the template in tokenizer_config.json."""
    import json

    older = shutil.copytree(chat_model, tmp_path / "older")
    (older / "chat_template.jinja").unlink()
    config = json.loads((older / "tokenizer_config.json").read_text())
    (older / "tokenizer_config.json").write_text(json.dumps({**config,
                                                             "chat_template": TEMPLATE}))
    engine_for(older).ready()


def test_answers_are_the_same_each_time(chat_model: Path) -> None:
    engine = engine_for(chat_model)
    first = engine.answer(conversation(), NoTools())
    second = engine.answer(conversation(), NoTools())
    assert first.text and first.text == second.text
    assert first.text == first.text.strip() and first.drawing is None and not first.refused
    assert any(word in first.text.split() for word in WORDS)
    assert first.usage["prompt_tokens"] > 100  # the system message and the thread
    assert first.usage["completion_tokens"] == 8
    other = engine.answer(conversation("where is the blue river, under the sky?"), NoTools())
    assert other.usage["prompt_tokens"] != first.usage["prompt_tokens"]


def test_streamed_pieces_make_the_answer(chat_model: Path) -> None:
    engine = engine_for(chat_model)
    pieces: list[str] = []
    streamed = engine.answer(conversation(), NoTools(), stream=pieces.append)
    assert len(pieces) > 1 and all(pieces)
    assert "".join(pieces).strip() == streamed.text
    assert streamed.text == engine.answer(conversation(), NoTools()).text
    assert streamed.usage["completion_tokens"] == 8


def test_max_new_tokens_bounds_the_answer(chat_model: Path) -> None:
    short = engine_for(chat_model, assistant_transformers_max_new_tokens=3)
    longer = engine_for(chat_model, assistant_transformers_max_new_tokens=20)
    few = short.answer(conversation(), NoTools())
    many = longer.answer(conversation(), NoTools())
    assert few.usage["completion_tokens"] == 3 and len(few.text.split()) <= 3
    assert many.usage["completion_tokens"] == 20 and len(many.text.split()) > 3


@pytest.mark.parametrize(("question", "subject"), [
    ("draw a fox in the snow", "a fox in the snow"),
    ("Please paint me a quiet river at night!", "a quiet river at night"),
    ("sketch: two cats", "two cats"),
    ("Make a picture of the sky", "the sky"),
    ("imagine a city of trees", "a city of trees"),
    ("draw", ""),
    ("drawing tips?", None),
    ("what did you paint?", None),
    ("who made this picture", None),
])
def test_the_drawing_rule(question: str, subject: str | None) -> None:
    assert local.drawing_prompt(question) == subject


def test_asked_to_draw_it_draws(chat_model: Path) -> None:
    engine = engine_for(chat_model)
    reply = engine.answer(conversation("draw a fox in the snow"), NoTools())
    assert reply.drawing == Drawing(prompt="a fox in the snow")
    assert reply.text and reply.usage["completion_tokens"] == 8
    # "draw" alone draws the post it was asked under.
    again = engine.answer(conversation("Draw!"), NoTools())
    assert again.drawing == Drawing(prompt="my fox, at night")
    alone = engine.answer(conversation("draw", target=None), NoTools())
    assert alone.drawing is None and "what to draw" in alone.text
    spent = engine.answer(conversation("draw a fox", can_draw=False), NoTools())
    assert spent.drawing is None and "no pictures left" in spent.text


def test_the_prompt_it_writes() -> None:
    chat = local.messages(conversation("Pourquoi un renard ?", language="fr",
                                       max_chars=100, truncated=True))
    system, user = chat[0]["content"], chat[1]["content"]
    assert [m["role"] for m in chat] == ["system", "user"]
    assert "@muse" in system and "automated" in system and "@carol" in system
    assert "language code fr" in system and "at most 93 characters" in system
    assert "only what the thread below says" in system
    assert "#1 @alice (target):\n  my fox, at night" in user
    assert 'picture: alt "a red fox in the snow"; AI-generated; made with diffusers; ' \
           'recipe: prompt="a red fox, snow", engine="diffusers", seed=5' in user
    assert "negative_prompt" not in user  # empty values are left out
    assert "#2 @bob (reply, remix of #1 by @alice):\n  lovely colours" in user
    assert "picture: no description; AI-generated; made with sketch; recipe hidden" in user
    assert "#3 @carol (question)" in user and "more replies than these" in user
    assert user.endswith("Question from @carol: Pourquoi un renard ?")
    explained = local.messages(conversation("", explain=True))[0]["content"]
    assert "explain post #1" in explained
    drawing = local.messages(conversation("draw a fox"), drawing="a fox")[0]["content"]
    assert 'A picture of "a fox" is being drawn' in drawing and "sketch engine" in drawing


def test_output_is_plain_text() -> None:
    assert local.plain("  @Carol: **Bold** and `code`\n\n\n\n## Title\nend ", "carol") == \
        "Bold and code\n\nTitle\nend"
    for nothing in ("", "  \n ", "@carol"):
        with pytest.raises(TextEngineError, match="wrote nothing"):
            local.plain(nothing, "carol")
    for garbage in ("?!... ,,", "\ufffd\ufffd\ufffda"):
        with pytest.raises(TextEngineError, match="unreadable"):
            local.plain(garbage, "carol")


def test_a_long_thread_keeps_the_question(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    model = build_chat_model(tmp_path / "short-context", context=300)
    engine = engine_for(model)
    encode, tried = engine._encode, []

    def seen(loaded: local.Loaded, chat: list[dict[str, str]]) -> Any:
        tried.append(chat[1]["content"])
        return encode(loaded, chat)

    monkeypatch.setattr(engine, "_encode", seen)
    chatter = tuple(ContextPost(id=10 + i, author="dan", author_name="Dan",
                                text="the red fox " * 10, created_at=NOW, role="reply")
                    for i in range(20))
    long = conversation()
    long = Conversation(**{**long.__dict__, "posts": (*long.posts[:2], *chatter,
                                                      long.posts[2])})
    reply = engine.answer(long, NoTools())
    assert reply.text and reply.usage["prompt_tokens"] <= 300 - 8
    read = tried[-1]  # what the model read: the oldest replies left out
    assert len(tried) > 1 and "left out" not in tried[0]
    assert f"({len(tried) - 1} earlier posts left out)" in read
    assert "#1 @alice (target)" in read and "#3 @carol (question)" in read
    assert "#2 @bob" not in read and "#29 @dan" in read
    assert read.endswith("Question from @carol: what is in the picture?")
    with pytest.raises(TextEngineError, match="too long"):
        engine_for(model, assistant_transformers_max_new_tokens=250).answer(long, NoTools())


def test_templates_without_a_system_role(chat_model: Path, tmp_path: Path) -> None:
    gemma = shutil.copytree(chat_model, tmp_path / "no-system")
    (gemma / "chat_template.jinja").write_text(NO_SYSTEM)
    reply = engine_for(gemma).answer(conversation(), NoTools())
    assert reply.text and reply.usage["prompt_tokens"] > 100


def test_failures_are_said(chat_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    engine = engine_for(chat_model)
    loaded = local._load(engine.config)
    head = loaded.model.lm_head.weight
    saved = head.detach().clone()
    with torch.no_grad():
        head.zero_()  # every step picks token 0, <unk>: nothing to read
    try:
        with pytest.raises(TextEngineError, match="The local model wrote nothing"):
            engine.answer(conversation(), NoTools())
        # A picture needs no words: a plain line goes with it.
        assert engine.answer(conversation("draw a cat"), NoTools()).text == "Here is a cat."
    finally:
        with torch.no_grad():
            head.copy_(saved)

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(loaded.model, "generate", broken)
    pieces: list[str] = []
    for stream in (None, pieces.append):
        with pytest.raises(TextEngineError, match="The local model failed: RuntimeError: "
                                                  "CUDA out of memory"):
            engine.answer(conversation(), NoTools(), stream=stream)
    monkeypatch.undo()
    assert engine.answer(conversation(), NoTools()).text  # the lock was let go

    missing = engine_for(chat_model.parent / "not-there")
    with pytest.raises(TextEngineError, match="could not be loaded"):
        missing.warm()


class Gone(Exception):
    """What a reader that has given up raises from its stream callback."""


def test_a_reader_that_gives_up_stops_the_model(chat_model: Path) -> None:
    engine = engine_for(chat_model, assistant_transformers_max_new_tokens=500)
    loaded = local._load(engine.config)
    steps: list[int] = []
    hook = loaded.model.register_forward_hook(lambda *args: steps.append(1))

    def give_up(piece: str) -> None:
        raise Gone

    try:
        with pytest.raises(Gone):  # the reader's own exception, as it was
            engine.answer(conversation(), NoTools(), stream=give_up)
    finally:
        hook.remove()
    assert 0 < len(steps) < 50  # stopped at once, not after 500 tokens
    assert not loaded.lock.locked()


def test_loaded_once_per_process(chat_model: Path) -> None:
    local.release()
    config = engine_for(chat_model).config
    seen: list[local.Loaded] = []
    threads = [threading.Thread(target=lambda: seen.append(local._load(config)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(loaded is seen[0] for loaded in seen)
    engine_for(chat_model).warm()
    assert local._load(config) is seen[0]


def test_torch_waits_until_a_model_is_used(chat_model: Path) -> None:
    script = (
        "import sys\n"
        "from salon.assistant.engines import pick\n"
        "from salon.settings import Settings\n"
        "engine = pick(Settings(assistant_engine='transformers',\n"
        f"                      assistant_transformers_model={str(chat_model)!r}))\n"
        "engine.ready()\n"
        "print(engine.label)\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "tiny-chat (local model)"

"""The transformers text engine: a chat model saved by transformers in a local folder (its
config, weights and a tokenizer with a chat template), run in the worker process.

Building the engine reads only settings (no torch): every process builds it. The weights load
on the first answer (or `warm()`) and stay loaded; one answer at a time uses them. Nothing is
downloaded: the folder must hold the whole model. Needs the `diffusers` extra (torch and
transformers).

Such a model has no tool calls, so it cannot decide to draw by itself. A small fixed rule
decides instead (`drawing_prompt`): a question that starts with "draw", "paint", "sketch",
"imagine", "illustrate" or "make a picture/image of" asks for a picture of the rest of the
question; the model then only writes the line that goes with it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salon.assistant.engines.base import (
    ContextPicture,
    ContextPost,
    Conversation,
    Drawing,
    Reply,
    Stream,
    TextCapabilities,
    TextEngineError,
    Tools,
)
from salon.settings import Settings

log = logging.getLogger("salon.assistant.transformers")

MODEL_SETTING = "SALON_ASSISTANT_TRANSFORMERS_MODEL"
DEVICE_SETTING = "SALON_ASSISTANT_TRANSFORMERS_DEVICE"
DEVICES = re.compile(r"auto|cpu|cuda(:\d+)?")
PIECE_TIMEOUT = 120.0  # seconds without a new piece before a streamed answer gives up
VALUE_CHARS = 300  # a recipe's values (long prompts) are cut to this in the prompt

# The drawing rule: the verb (or phrase) that opens the question, then what to draw.
DRAW = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)?"
    r"(?:draw|paint|sketch|imagine|illustrate|"
    r"(?:make|create|generate)\s+(?:me\s+)?(?:a|an)\s+(?:picture|image|drawing|painting)\s+of)"
    r"\b[\s:,]*(?:me\s+)?(?P<subject>.*)$",
    re.IGNORECASE | re.DOTALL)


def drawing_prompt(question: str) -> str | None:
    """What the question asks to draw, or None when it does not ask for a picture ("" when
    it asks without saying what)."""
    found = DRAW.match(question)
    if found is None:
        return None
    return found.group("subject").strip().rstrip("?!.").strip()


def _picture(picture: ContextPicture) -> str:
    words = [f'alt "{picture.description}"' if picture.description else "no description"]
    if picture.ai_generated:
        words.append("AI-generated")
    if picture.engine:
        words.append(f"made with {picture.engine}")
    if picture.recipe is not None:
        values = [f"{key}={json.dumps(value, ensure_ascii=False)[:VALUE_CHARS]}"
                  for key, value in picture.recipe.items() if value not in (None, "")]
        words.append("recipe: " + ", ".join(values))
    elif picture.engine:
        words.append("recipe hidden")
    return "  picture: " + "; ".join(words)


def _post(post: ContextPost) -> str:
    about = [post.role] + (["bot"] if post.bot else [])
    if post.remix_of is not None:
        about.append(f"remix of #{post.remix_of}"
                     + (f" by @{post.remix_of_author}" if post.remix_of_author else ""))
    lines = [f"#{post.id} @{post.author} ({', '.join(about)}):"]
    if post.spoiler_text:
        lines.append(f"  content warning: {post.spoiler_text}")
    lines.append("  " + " ".join(post.text.split()) if post.text.strip() else "  (no text)")
    lines.extend(_picture(picture) for picture in post.pictures)
    return "\n".join(lines)


def render_thread(conversation: Conversation, posts: tuple[ContextPost, ...],
                  left_out: int = 0) -> str:
    """The user's message: the thread, compactly, then the question."""
    head = "The thread, oldest first"
    if left_out:
        head += f" ({left_out} earlier posts left out)"
    if conversation.truncated:
        head += " (it has more replies than these)"
    parts = [head + ":", *(_post(post) for post in posts), ""]
    question = " ".join(conversation.question.split()) or "(no question)"
    parts.append(f"Question from @{conversation.asker}: {question}")
    return "\n".join(parts)


def system_message(conversation: Conversation, drawing: str | None = None) -> str:
    """Who the model is and how it answers."""
    limit = max(20, conversation.max_chars - len(conversation.asker) - 2)  # "@asker "
    lines = [
        f"You are @{conversation.assistant}, the assistant of Salon, a social network of "
        "pictures. You are an automated account, not a person. People mention you in a "
        "thread to ask you something.",
        f"Answer @{conversation.asker} in the language of their question "
        f"(language code {conversation.language}), in plain text without markdown, in at "
        f"most {limit} characters. Do not start with a mention: it is added for you.",
        "Use only what the thread below says. When it does not tell, say that you do not "
        "know; never make up posts, people or recipes.",
    ]
    if conversation.explain and conversation.target is not None:
        lines.append(f"@{conversation.asker} asked you privately to explain post "
                     f"#{conversation.target.id}: say what it is about and, for its "
                     "pictures, how they were made where the thread says.")
    if drawing is not None:
        lines.append(f'A picture of "{drawing}" is being drawn for this question (with the '
                     f"{conversation.image_engine} engine). Say in one short sentence what "
                     "you are drawing.")
    return "\n".join(lines)


def messages(conversation: Conversation, drawing: str | None = None,
             posts: tuple[ContextPost, ...] | None = None, left_out: int = 0
             ) -> list[dict[str, str]]:
    thread = conversation.posts if posts is None else posts
    return [{"role": "system", "content": system_message(conversation, drawing)},
            {"role": "user", "content": render_thread(conversation, thread, left_out)}]


MARKDOWN = re.compile(r"\*\*|__|`")
HEADING = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(text: str, asker: str) -> str:
    """The model's output as a post's plain text; TextEngineError when nothing usable."""
    text = CONTROL.sub("", MARKDOWN.sub("", text.replace("\r\n", "\n")))
    text = HEADING.sub("", text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    # The assistant adds the mention: one the model wrote would say it twice.
    text = re.sub(rf"^@{re.escape(asker)}\b[,:]?\s*", "", text, flags=re.IGNORECASE).strip()
    if not text:
        raise TextEngineError("The local model wrote nothing. Ask again, perhaps in other "
                              "words.")
    if not any(c.isalnum() for c in text) or text.count("\ufffd") * 5 > len(text):
        raise TextEngineError("The local model wrote something unreadable. Ask again, "
                              "perhaps in other words.")
    return text


@dataclass(frozen=True)
class Config:
    """What to load, and where: the key of the loaded model."""

    folder: str
    device: str


@dataclass
class Loaded:
    tokenizer: Any
    model: Any
    device: str
    context: int | None  # the most tokens the model reads, where its config says
    lock: threading.Lock = field(default_factory=threading.Lock)  # one answer at a time


_loaded: dict[Config, Loaded] = {}
_loading = threading.Lock()


def _device(wanted: str) -> str:
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise TextEngineError(f"{DEVICE_SETTING}={wanted} but this machine has no CUDA GPU. "
                              f"An administrator must set {DEVICE_SETTING}=cpu or auto.")
    return wanted


def _load(config: Config) -> Loaded:
    """The model for `config`, loaded once per process; another config replaces it."""
    with _loading:
        if config in _loaded:
            return _loaded[config]
        _loaded.clear()  # one model resident at a time bounds memory
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        device = _device(config.device)
        if device == "cpu":
            dtype = torch.float32
        else:
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        started = time.perf_counter()
        try:
            tokenizer = AutoTokenizer.from_pretrained(config.folder, local_files_only=True)
            model: Any = AutoModelForCausalLM.from_pretrained(
                config.folder, local_files_only=True, dtype=dtype)
            model.to(device).eval()
        except Exception as exc:
            log.exception("loading %s failed", config.folder)
            raise TextEngineError(
                f"The local model could not be loaded ({type(exc).__name__}: "
                f"{str(exc)[:300]}). An administrator must check {MODEL_SETTING} and "
                f"{DEVICE_SETTING}.") from None
        context = getattr(model.config, "max_position_embeddings", None)
        _loaded[config] = Loaded(tokenizer=tokenizer, model=model, device=device,
                                 context=context if isinstance(context, int) else None)
        log.info("loaded %s on %s in %.1fs", config.folder, device,
                 time.perf_counter() - started)
        return _loaded[config]


def release() -> None:
    """Let go of the loaded model (its memory goes when nothing else holds it)."""
    with _loading:
        _loaded.clear()


def _has_chat_template(folder: Path) -> bool:
    """Where transformers saves a tokenizer's chat template: its own file (newer), or in
    tokenizer_config.json (older)."""
    if (folder / "chat_template.jinja").is_file() or (folder / "chat_template.json").is_file():
        return True
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and bool(config.get("chat_template"))


class TransformersChatEngine:
    name = "transformers"
    exclusive = True  # one answer at a time per process: the model is not shared
    capabilities = TextCapabilities(streaming=True, tool_calls=False, images=False)

    def __init__(self, settings: Settings) -> None:
        self.folder = settings.assistant_transformers_model
        self.model = Path(self.folder).name if self.folder else "no model"
        self.label = f"{self.model} (local model)"
        self.max_new_tokens = settings.assistant_transformers_max_new_tokens
        self.config = Config(folder=str(Path(self.folder).expanduser()) if self.folder else "",
                             device=settings.assistant_transformers_device)

    def ready(self) -> None:
        """Whether this process can run it: the folder holds a chat model, and the extra is
        installed. Reads files only (no torch)."""
        if not self.folder:
            raise ValueError(f"{MODEL_SETTING} must name a folder holding a chat model saved "
                             "by transformers, for the transformers text engine")
        folder = Path(self.config.folder)
        if not folder.is_dir():
            raise ValueError(f"{MODEL_SETTING}={self.folder!r} is not a folder here; nothing "
                             "is downloaded: save the model into a folder and name that")
        if not (folder / "config.json").is_file():
            raise ValueError(f"{MODEL_SETTING}={self.folder!r} has no config.json: name a "
                             "folder saved by transformers (save_pretrained or a hub snapshot)")
        if not _has_chat_template(folder):
            raise ValueError(f"{MODEL_SETTING}={self.folder!r} has no chat template in its "
                             "tokenizer: name a chat (instruct) model")
        if not all(importlib.util.find_spec(name) for name in ("torch", "transformers")):
            raise ValueError("the transformers text engine runs in processes with its extra: "
                             'pip install "salon[diffusers]"')

    def warm(self) -> None:
        _load(self.config)

    def answer(self, conversation: Conversation, tools: Tools,
               stream: Stream | None = None) -> Reply:
        subject = drawing_prompt(conversation.question)
        if subject is not None and not conversation.can_draw:
            return Reply(text="You have no pictures left for today, so I can't draw this "
                              "now. Ask me again tomorrow.")
        if subject == "":
            subject = " ".join(conversation.target.text.split()) \
                if conversation.target is not None else ""
            if not subject:
                return Reply(text="Tell me what to draw: for example \"draw a fox in the "
                                  "snow\".")
        loaded = _load(self.config)
        with loaded.lock:
            prompt = self._prompt(loaded, conversation, subject)
            raw, usage = self._generate(loaded, prompt, stream)
        if not subject:
            return Reply(text=plain(raw, conversation.asker), usage=usage)
        try:
            text = plain(raw, conversation.asker)
        except TextEngineError:  # the picture needs no words: a plain line will do
            text = f"Here is {subject}."
        return Reply(text=text, drawing=Drawing(prompt=subject), usage=usage)

    def _prompt(self, loaded: Loaded, conversation: Conversation, subject: str | None
                ) -> Any:
        """The chat template applied to the messages, tokenized. Where the thread is longer
        than the model reads, its oldest posts are left out (never the question, nor the
        post it was asked under)."""
        keep = {post.id for post in conversation.posts if post.role == "question"}
        if conversation.target is not None:
            keep.add(conversation.target.id)
        posts = conversation.posts
        budget = None if loaded.context is None else loaded.context - self.max_new_tokens
        while True:
            left_out = len(conversation.posts) - len(posts)
            chat = messages(conversation, subject, posts, left_out)
            encoded = self._encode(loaded, chat)
            if budget is None or encoded["input_ids"].shape[-1] <= budget:
                return encoded
            droppable = [i for i, post in enumerate(posts) if post.id not in keep]
            if not droppable:
                raise TextEngineError("This thread is too long for the local model to read. "
                                      "Ask under a shorter thread.")
            posts = posts[:droppable[0]] + posts[droppable[0] + 1:]

    def _encode(self, loaded: Loaded, chat: list[dict[str, str]]) -> Any:
        tokenizer = loaded.tokenizer
        try:
            text = tokenizer.apply_chat_template(chat, add_generation_prompt=True,
                                                 tokenize=False)
        except Exception:
            # Some templates take no system message (Gemma's): say it in the user's.
            merged = [{"role": "user", "content": chat[0]["content"] + "\n\n"
                       + chat[1]["content"]}]
            try:
                text = tokenizer.apply_chat_template(merged, add_generation_prompt=True,
                                                     tokenize=False)
            except Exception as exc:
                raise TextEngineError(f"The local model's chat template failed: "
                                      f"{str(exc)[:300]}") from None
        try:  # the template writes the special tokens itself (the first one included)
            return tokenizer(text, return_tensors="pt",
                             add_special_tokens=False).to(loaded.device)
        except Exception as exc:
            raise TextEngineError(f"The local model failed: {type(exc).__name__}: "
                                  f"{str(exc)[:300]}") from None

    def _generate(self, loaded: Loaded, encoded: Any, stream: Stream | None
                  ) -> tuple[str, dict[str, int]]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        tokenizer, model = loaded.tokenizer, loaded.model
        stop = threading.Event()

        class Stopped(StoppingCriteria):  # ends generation early when the caller has gone
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool,
                                  device=input_ids.device)

        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None \
            else tokenizer.eos_token_id
        # Greedy decoding: the same thread gets the same answer.
        kwargs: dict[str, Any] = {
            **encoded, "max_new_tokens": self.max_new_tokens, "do_sample": False,
            "temperature": None, "top_p": None, "top_k": None, "pad_token_id": pad,
            "stopping_criteria": StoppingCriteriaList([Stopped()])}
        prompt_tokens = int(encoded["input_ids"].shape[-1])
        results: list[Any] = []
        failures: list[Exception] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    results.append(model.generate(**kwargs))
            except Exception as exc:  # reported in the caller's thread
                failures.append(exc)
                if "streamer" in kwargs:
                    kwargs["streamer"].end()  # else the reader waits for pieces forever

        if stream is None:
            run()
        else:
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True,
                                             skip_special_tokens=True, timeout=PIECE_TIMEOUT)
            kwargs["streamer"] = streamer
            worker = threading.Thread(target=run, name="salon-local-model", daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    if piece:
                        stream(piece)
            except queue.Empty:
                raise TextEngineError("The local model did not answer in time.") from None
            finally:
                stop.set()  # the caller may have given up: don't hold the model
                worker.join()
        if failures:
            exc = failures[0]
            log.error("the local model failed", exc_info=exc)
            raise TextEngineError(f"The local model failed: {type(exc).__name__}: "
                                  f"{str(exc)[:300]}")
        generated = results[0][0, prompt_tokens:]
        text = tokenizer.decode(generated, skip_special_tokens=True)
        return text, {"prompt_tokens": prompt_tokens,
                      "completion_tokens": int(generated.shape[-1])}


def from_settings(settings: Settings) -> TransformersChatEngine:
    if not DEVICES.fullmatch(settings.assistant_transformers_device):
        raise ValueError(f"{DEVICE_SETTING} must be auto, cpu, cuda or cuda:<n>")
    return TransformersChatEngine(settings)

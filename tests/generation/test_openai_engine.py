"""The openai engine against a real local HTTP server speaking the Images API
(tests/generation/fake_openai.py): request shapes, streamed previews, edits, retries and
backoff, refusals people can read, cancellation, usage and cost; then through the worker and
the API."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from salon.generation import credentials, provenance
from salon.generation import service as generation
from salon.generation.engines import openai_images
from salon.generation.engines.base import ASPECTS, EngineError, EngineRequest, Output
from salon.generation.engines.openai_images import OpenAIImagesEngine, from_settings
from salon.generation.models import State
from salon.generation.schemas import GenerationSpec
from salon.jobs.worker import Worker
from salon.media.store import media_store
from salon.settings import Settings, configure
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import People, Site
from tests.generation.fake_openai import (
    FakeOpenAI,
    Reply,
    busy,
    colour,
    partial_colour,
    png,
    refused,
)

MODEL = "gpt-image-test"
KEY = "sk-test-123"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_images, "BACKOFF_SECONDS", 0.01)


def settings_for(fake: FakeOpenAI, **changes: Any) -> Settings:
    return Settings(_env_file=None, **{
        "env": "test", "openai_base_url": fake.url, "openai_model": MODEL,
        "openai_api_key": KEY, "openai_partial_images": 0, "openai_retries": 3, **changes})


def engine_for(fake: FakeOpenAI, **changes: Any) -> OpenAIImagesEngine:
    return from_settings(settings_for(fake, **changes))


def corner(picture: Image.Image) -> tuple[int, ...]:
    found = picture.convert("RGB").getpixel((0, 0))
    assert isinstance(found, tuple)
    return found


class Stop(Exception):
    """What the worker's progress callback raises when the owner cancelled."""


class Recorder:
    """A progress callback that keeps what it was told, and can cancel when `stop_when` says."""

    def __init__(self, stop_when: Callable[[Recorder], bool] | None = None) -> None:
        self.fractions: list[float] = []
        self.previews: list[list[tuple[int, ...]]] = []
        self.stop_when = stop_when

    def __call__(self, fraction: float, previews: Sequence[Image.Image] | None = None) -> None:
        self.fractions.append(fraction)
        if previews is not None:
            self.previews.append([corner(p) for p in previews])
        if self.stop_when is not None and self.stop_when(self):
            raise Stop


def ask(count: int = 1, width: int = 64, height: int = 48, **kwargs: Any) -> EngineRequest:
    return EngineRequest("a lighthouse at dawn", width=width, height=height, count=count,
                         **kwargs)


def pixels(output: Output) -> list[tuple[int, ...]]:
    return [corner(p) for p in output.images]


# --- request shapes ----------------------------------------------------------------------


def test_text_to_image_posts_the_documented_json_and_decodes_the_pictures(
    fake: FakeOpenAI,
) -> None:
    engine = engine_for(fake, openai_quality="high", openai_moderation="low",
                        openai_output_format="webp")
    out = engine.generate(ask(count=3, negative_prompt="fog", seed=5, strength=0.3), Recorder())
    [sent] = fake.posts
    assert sent.path == "/v1/images/generations"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"].startswith("application/json")
    # Only what was set: no background, no stream, and nothing the API does not take.
    assert sent.json == {"model": MODEL, "prompt": "a lighthouse at dawn", "n": 3,
                         "size": "64x48", "quality": "high", "output_format": "webp",
                         "moderation": "low"}
    assert pixels(out) == [colour(0), colour(1), colour(2)]
    assert all(p.mode == "RGB" and p.size == (64, 48) for p in out.images)


def test_no_key_sends_no_authorization_and_a_base_path_is_kept(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, openai_api_key="", openai_base_url=fake.origin + "/proxy/v1/")
    engine.generate(ask(), Recorder())
    [sent] = fake.posts
    assert sent.path == "/proxy/v1/images/generations" and "authorization" not in sent.headers


def test_streamed_partial_images_become_previews_one_slot_per_candidate(
    fake: FakeOpenAI,
) -> None:
    progress = Recorder()
    out = engine_for(fake, openai_partial_images=2).generate(ask(count=2), progress)
    assert fake.posts[0].json is not None
    assert fake.posts[0].json["stream"] is True and fake.posts[0].json["partial_images"] == 2
    grey = (128, 128, 128)  # a candidate with nothing to show yet
    assert progress.previews == [
        [partial_colour(0, 0), grey], [partial_colour(0, 1), grey],
        [partial_colour(0, 1), partial_colour(1, 0)], [partial_colour(0, 1), partial_colour(1, 1)],
    ]
    assert pixels(out) == [colour(0), colour(1)]
    assert progress.fractions == sorted(progress.fractions) and max(progress.fractions) <= 0.9
    assert out.usage == {"input_tokens": 20, "output_tokens": 200, "total_tokens": 220,
                         "input_text_tokens": 20, "input_image_tokens": 0, "images": 2}


def test_a_server_that_answers_a_stream_request_with_plain_json_is_understood(
    fake: FakeOpenAI,
) -> None:
    fake.script(Reply("json"))
    out = engine_for(fake, openai_partial_images=3).generate(ask(count=2), Recorder())
    assert pixels(out) == [colour(0), colour(1)] and len(fake.posts) == 1


def test_image_to_image_posts_a_png_and_the_prompt_as_multipart_to_edits(
    fake: FakeOpenAI,
) -> None:
    source = Image.new("RGB", (40, 30), (1, 2, 3))
    engine = engine_for(fake, openai_moderation="low", openai_background="opaque")
    out = engine.generate(ask(count=2, init_image=source, strength=0.2), Recorder())
    [sent] = fake.posts
    assert sent.path == "/v1/images/edits" and sent.json is None
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.form == {"model": MODEL, "prompt": "a lighthouse at dawn", "n": "2",
                         "size": "64x48", "background": "opaque"}
    filename, content_type, data = sent.files["image"]
    assert filename.endswith(".png") and content_type == "image/png"
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG" and picture.size == (40, 30)
        assert picture.convert("RGB").getpixel((0, 0)) == (1, 2, 3)
    assert pixels(out) == [colour(0), colour(1)] and out.usage["input_image_tokens"] == 50


def test_streamed_edits_read_the_image_edit_events(fake: FakeOpenAI) -> None:
    progress = Recorder()
    out = engine_for(fake, openai_partial_images=1).generate(
        ask(init_image=Image.new("RGB", (8, 8))), progress)
    assert fake.posts[0].form["stream"] == "true" and fake.posts[0].form["partial_images"] == "1"
    assert progress.previews == [[partial_colour(0, 0)]] and pixels(out) == [colour(0)]


def test_pictures_given_as_urls_are_fetched_with_the_key_only_from_the_service(
    fake: FakeOpenAI,
) -> None:
    fake.script(Reply("urls"))
    out = engine_for(fake).generate(ask(count=2), Recorder())
    assert pixels(out) == [colour(0), colour(1)]
    fetched = [r for r in fake.requests if r.method == "GET"]
    assert [r.path for r in fetched] == ["/files/0.png", "/files/1.png"]
    assert all(r.headers.get("authorization") == f"Bearer {KEY}" for r in fetched)
    # Another host (the same server under another name) never sees the key.
    fake.script(Reply("urls"))
    elsewhere = engine_for(fake, openai_base_url=fake.url.replace("127.0.0.1", "localhost"))
    fake.requests.clear()
    elsewhere.generate(ask(), Recorder())
    [post, get] = fake.requests
    assert post.headers["authorization"] == f"Bearer {KEY}"
    assert "authorization" not in get.headers


def test_a_picture_download_that_fails_on_the_server_is_tried_again(fake: FakeOpenAI) -> None:
    fake.script(Reply("urls", broken_fetches=1))
    out = engine_for(fake).generate(ask(), Recorder())
    assert [r.method for r in fake.requests] == ["POST", "GET", "POST"]
    assert pixels(out) == [colour(0)]


def test_a_picture_of_another_size_is_fitted_to_the_aspect_asked_for(fake: FakeOpenAI) -> None:
    fake.script(Reply("json", size=(128, 128)))
    out = engine_for(fake).generate(ask(width=96, height=64), Recorder())
    assert out.images[0].size == (96, 64) and out.images[0].mode == "RGB"


# --- retries -----------------------------------------------------------------------------


def test_429_is_tried_again_after_its_retry_after(fake: FakeOpenAI) -> None:
    fake.script(busy(429, retry_after="0"), busy(429, retry_after="0.4"))
    started = time.monotonic()
    out = engine_for(fake).generate(ask(), Recorder())
    assert len(fake.posts) == 3 and pixels(out) == [colour(0)]
    assert time.monotonic() - started >= 0.4


def test_5xx_twice_then_success(fake: FakeOpenAI) -> None:
    # As a proxy in front of the service answers: no JSON, no error code.
    fake.script(Reply("garbage", status=502), Reply("garbage", status=503, body=b"down"))
    out = engine_for(fake, openai_retries=2).generate(ask(), Recorder())
    assert len(fake.posts) == 3 and pixels(out) == [colour(0)]


def test_5xx_forever_gives_up_after_one_try_plus_the_retries(fake: FakeOpenAI) -> None:
    fake.script(*[busy(502, retry_after=None)] * 10)
    with pytest.raises(EngineError, match=r"busy or unreachable.*Try again later"):
        engine_for(fake, openai_retries=2).generate(ask(), Recorder())
    assert len(fake.posts) == 3


def test_a_stream_that_ends_early_is_tried_again_from_the_start(fake: FakeOpenAI) -> None:
    fake.script(Reply("stream", cut=True))
    out = engine_for(fake, openai_partial_images=1).generate(ask(count=2), Recorder())
    assert len(fake.posts) == 2 and pixels(out) == [colour(0), colour(1)]
    # The broken try's first picture was reported (and maybe charged): it counts.
    assert out.usage["output_tokens"] == 300


def test_a_service_that_does_not_answer_in_time_is_tried_again(fake: FakeOpenAI) -> None:
    fake.script(Reply("json", delay=10.0))
    started = time.monotonic()
    out = engine_for(fake, openai_timeout=0.3).generate(ask(), Recorder())
    assert len(fake.posts) == 2 and pixels(out) == [colour(0)]
    assert time.monotonic() - started < 5


def test_an_unreachable_service_is_tried_again_then_reported(fake: FakeOpenAI) -> None:
    fake.__exit__()  # nothing listens there any more
    engine = engine_for(fake, openai_retries=1)
    with pytest.raises(EngineError, match=r"unreachable \(could not be reached.*2 tries"):
        engine.generate(ask(), Recorder())


# --- refusals and bad answers ------------------------------------------------------------


@pytest.mark.parametrize("code", ["moderation_blocked", "content_policy_violation"])
def test_a_policy_refusal_says_why_and_is_not_retried(fake: FakeOpenAI, code: str) -> None:
    fake.script(refused(code))
    with pytest.raises(EngineError) as caught:
        engine_for(fake).generate(ask(), Recorder())
    assert str(caught.value) == (
        f"The image service refused this prompt ({code}): Your request was rejected by the "
        "safety system. Change the prompt and try again.")
    assert len(fake.posts) == 1


def test_a_refusal_in_the_stream_says_why(fake: FakeOpenAI) -> None:
    fake.script(Reply("stream_error", code="moderation_blocked", message="Not allowed."))
    with pytest.raises(EngineError, match=r"refused this prompt \(moderation_blocked\): Not "):
        engine_for(fake, openai_partial_images=1).generate(ask(), Recorder())


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_for_the_administrator(fake: FakeOpenAI, status: int) -> None:
    fake.script(Reply("refuse", status=status, code="invalid_api_key", message="Incorrect key."))
    with pytest.raises(EngineError, match=rf"refused this instance's API key \({status}: Incorrect "
                                          r"key\)\. An administrator must check SALON_OPENAI_API"):
        engine_for(fake).generate(ask(), Recorder())
    assert len(fake.posts) == 1


def test_an_account_out_of_credit_is_not_tried_again(fake: FakeOpenAI) -> None:
    fake.script(busy(429, code="insufficient_quota"))
    with pytest.raises(EngineError, match="no credit left; an administrator"):
        engine_for(fake).generate(ask(), Recorder())
    assert len(fake.posts) == 1


def test_other_client_errors_pass_the_services_message_on(fake: FakeOpenAI) -> None:
    fake.script(Reply("refuse", status=400, code="invalid_value",
                      message="Invalid size '64x48'. Supported sizes are 1024x1024."))
    with pytest.raises(EngineError, match=r"could not make this \(400\): Invalid size '64x48'"):
        engine_for(fake).generate(ask(), Recorder())
    assert len(fake.posts) == 1


@pytest.mark.parametrize(("body", "says"), [
    (b"<html>Welcome to nginx</html>", "not the Images API's JSON"),
    (b'{"created": 1}', "without any pictures"),
    (b'{"data": [{"b64_json": "bm90IGEgcG5n"}]}', "picture Salon could not read"),
    (b'{"data": [{"b64_json": "***"}]}', "not valid base64"),
    (b'{"data": [{"revised_prompt": "x"}]}', "neither b64_json nor url"),
    (b'{"data": ["x"]}', "could not read"),
    (b'[1, 2]', "not the Images API's JSON"),
    (b'{"error": {"message": "Model not loaded", "code": null}}', r"\(error\): Model not loaded"),
])
def test_a_bad_answer_is_an_engine_error_with_a_clear_message(
    fake: FakeOpenAI, body: bytes, says: str
) -> None:
    fake.script(Reply("garbage", body=body))
    with pytest.raises(EngineError, match=says):
        engine_for(fake).generate(ask(), Recorder())


def test_links_to_missing_pictures_are_an_engine_error(fake: FakeOpenAI) -> None:
    fake.script(Reply("dead_urls"))
    with pytest.raises(EngineError, match=r"picture could not be fetched \(404\)"):
        engine_for(fake).generate(ask(), Recorder())


def test_transparent_pictures_are_put_on_white(fake: FakeOpenAI) -> None:
    fake.script(Reply("json", transparent=True))
    out = engine_for(fake, openai_background="transparent").generate(ask(), Recorder())
    assert pixels(out) == [(255, 255, 255)] and out.images[0].mode == "RGB"
    assert fake.posts[0].fields["background"] == "transparent"


def test_fewer_pictures_than_asked_for_is_an_engine_error(fake: FakeOpenAI) -> None:
    one = base64.b64encode(png((64, 48), (0, 0, 0))).decode()
    fake.script(Reply("garbage", body=json.dumps({"data": [{"b64_json": one}]}).encode()))
    with pytest.raises(EngineError, match=r"made 1 pictures instead of 2.*MAX_COUNT"):
        engine_for(fake).generate(ask(count=2), Recorder())


# --- cancellation ------------------------------------------------------------------------


def test_a_cancel_during_the_stream_stops_at_once(fake: FakeOpenAI) -> None:
    fake.script(Reply("stream", gap=3.0))  # the whole stream would take about 24 s
    started = time.monotonic()
    progress = Recorder(stop_when=lambda r: bool(r.previews))
    with pytest.raises(Stop):
        engine_for(fake, openai_partial_images=3).generate(ask(count=2), progress)
    assert time.monotonic() - started < 2.5 and len(progress.previews) == 1


def test_a_cancel_while_the_service_thinks_is_noticed(fake: FakeOpenAI) -> None:
    fake.script(Reply("json", delay=10.0))
    started = time.monotonic()
    with pytest.raises(Stop):
        engine_for(fake).generate(ask(), Recorder(stop_when=lambda r: len(r.fractions) >= 3))
    assert time.monotonic() - started < 5 and len(fake.posts) == 1


def test_a_cancel_during_a_backoff_is_noticed(fake: FakeOpenAI) -> None:
    fake.script(busy(429, retry_after="20"))
    started = time.monotonic()
    with pytest.raises(Stop):
        engine_for(fake).generate(ask(), Recorder(stop_when=lambda r: len(r.fractions) >= 3))
    assert time.monotonic() - started < 5 and len(fake.posts) == 1


# --- usage and cost ----------------------------------------------------------------------


def test_usage_is_flat_and_cost_comes_from_token_prices(fake: FakeOpenAI) -> None:
    out = engine_for(fake, openai_cost_per_m_input=5.0, openai_cost_per_m_output=40.0,
                     openai_cost_per_image=0.5).generate(ask(count=3), Recorder())
    assert out.usage == {"input_tokens": 10, "output_tokens": 300, "total_tokens": 310,
                         "input_text_tokens": 10, "input_image_tokens": 0, "images": 3}
    assert out.cost_usd == pytest.approx((10 * 5.0 + 300 * 40.0) / 1e6)


def test_cost_per_image_when_no_tokens_are_reported_and_none_without_prices(
    fake: FakeOpenAI,
) -> None:
    fake.script(Reply("urls"))  # a LocalAI-like answer: no usage
    out = engine_for(fake, openai_cost_per_m_input=5.0, openai_cost_per_image=0.04).generate(
        ask(count=2), Recorder())
    assert out.usage == {"images": 2} and out.cost_usd == pytest.approx(0.08)
    assert engine_for(fake).generate(ask(), Recorder()).cost_usd is None


# --- settings ----------------------------------------------------------------------------


def test_from_settings_describes_the_engine_without_network(fake: FakeOpenAI) -> None:
    engine = engine_for(fake, openai_sizes="1:1=1024x1024, 16:9=1536x864",
                        openai_max_count=2, openai_partial_images=1)
    assert (engine.name, engine.model) == ("openai", MODEL)
    assert engine.label == f"{MODEL} (Images API at {fake.origin.removeprefix('http://')})"
    caps = engine.capabilities
    assert caps.sizes == {"1:1": (1024, 1024), "16:9": (1536, 864)}
    assert (caps.text_to_image, caps.image_to_image, caps.negative_prompt, caps.seeds,
            caps.previews, caps.max_count, caps.styles) == (True, True, False, False, True, 2,
                                                            ())
    assert engine_for(fake, openai_label="House painter").label == "House painter"
    assert not engine_for(fake, openai_partial_images=0).capabilities.previews
    assert fake.requests == []


def test_from_settings_needs_a_model(fake: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="no model list is hard-coded: set SALON_OPENAI_MODEL"):
        engine_for(fake, openai_model=" ")


@pytest.mark.parametrize("sizes", ["", "square=1024x1024", "1:1=1024", "1:1=axb",
                                   "1:1=1024x1024,1:1=512x512", "1:1:1024x1024", "4:3=800x600",
                                   "1:1=0x1024"])
def test_from_settings_refuses_malformed_sizes(fake: FakeOpenAI, sizes: str) -> None:
    with pytest.raises(ValueError, match=r"SALON_OPENAI_SIZES .*aspect=WxH") as caught:
        engine_for(fake, openai_sizes=sizes)
    assert all(aspect in str(caught.value) for aspect in ASPECTS)


def test_from_settings_refuses_a_base_url_that_is_not_http(fake: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="SALON_OPENAI_BASE_URL"):
        engine_for(fake, openai_base_url="api.openai.com/v1")


# --- through the worker and the API ------------------------------------------------------


def openai_site_settings(settings: Settings, fake: FakeOpenAI, **changes: Any) -> Settings:
    return configure(settings.model_copy(update={
        "engines": "sketch,openai", "openai_base_url": fake.url, "openai_model": MODEL,
        "openai_api_key": KEY, "openai_sizes": "1:1=64x64,3:2=96x64",
        "openai_partial_images": 1, "openai_cost_per_image": 0.25, **changes}))


async def test_the_worker_stores_the_services_pictures_with_usage_and_cost(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    fake: FakeOpenAI,
) -> None:
    settings = openai_site_settings(settings, fake, openai_cost_per_m_output=10.0)
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec(
        "a lighthouse at dawn", count=2, aspect="3:2", engine="openai"))
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert (made.state, made.error, made.model) == (State.succeeded, None, MODEL)
    assert made.usage == {"input_tokens": 20, "output_tokens": 200, "total_tokens": 220,
                          "input_text_tokens": 20, "input_image_tokens": 0, "images": 2}
    assert made.cost_usd == pytest.approx(200 * 10.0 / 1e6)
    assert fake.posts[0].json is not None and fake.posts[0].json["size"] == "96x64"
    views = (await generation.candidates(session, [made.id]))[made.id]
    store = media_store(settings)
    assert len(views) == 2
    for i, view in enumerate(views):
        assert view.media is not None and (view.media.width, view.media.height) == (96, 64)
        data = await store.get(view.media.file_key)
        recipe = provenance.read_recipe(data)
        assert recipe is not None and recipe["model"] == MODEL and recipe["engine"] == "openai"
        source_type = credentials.read(data, "image/png", settings).digital_source_type
        assert source_type == credentials.TRAINED_ALGORITHMIC_MEDIA
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.convert("RGB").getpixel((0, 0)) == colour(i)

    # Starting from one of those pictures goes to /images/edits with it as a PNG.
    first = views[0].media
    assert first is not None
    edit = await generation.request(session, settings, alice, GenerationSpec(
        "the same at night", count=1, engine="openai", source_media_id=first.id))
    await session.commit()
    await worker.drain()
    await session.refresh(edit)
    assert edit.state == State.succeeded and fake.posts[-1].path == "/v1/images/edits"
    with Image.open(io.BytesIO(fake.posts[-1].files["image"][2])) as sent:
        assert sent.size == (96, 64) and sent.convert("RGB").getpixel((0, 0)) == colour(0)


async def test_a_refused_prompt_fails_the_generation_with_the_reason(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    fake: FakeOpenAI,
) -> None:
    settings = openai_site_settings(settings, fake)
    alice = await people.make("alice")
    fake.script(refused())
    made = await generation.request(session, settings, alice, GenerationSpec(
        "something not allowed", count=1, engine="openai"))
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert made.state == State.failed and made.usage is None and made.cost_usd is None
    assert made.error == ("The image service refused this prompt (moderation_blocked): Your "
                          "request was rejected by the safety system. Change the prompt and "
                          "try again.")


def test_the_api_makes_pictures_with_the_openai_engine(settings: Settings,
                                                       fake: FakeOpenAI) -> None:
    with Site(openai_site_settings(settings, fake, openai_partial_images=0)) as site:
        alice = token_for(site, "alice")
        answer = api(site, "POST", "/api/v1/salon/generations", alice,
                     json={"prompt": "a red kite", "count": 2, "engine": "openai"})
        assert answer.status_code == 202, answer.text
        made = answer.json()
        assert (made["engine"], made["model"], made["params"]["width"]) == ("openai", MODEL, 64)
        site.run_jobs()
        done = api(site, "GET", f"/api/v1/salon/generations/{made['id']}", alice).json()
        assert done["state"] == "succeeded" and len(done["candidates"]) == 2, done
        assert done["usage"]["images"] == 2 and done["cost_usd"] == pytest.approx(0.5)
        negative = api(site, "POST", "/api/v1/salon/generations", alice, json={
            "prompt": "a kite", "negative_prompt": "rain", "engine": "openai"})
        assert negative.status_code == 422 and "negative prompt" in negative.json()["error"]


def test_posts_of_the_services_pictures_are_labelled_ai_generated(settings: Settings,
                                                                  fake: FakeOpenAI) -> None:
    with Site(openai_site_settings(settings, fake, openai_partial_images=0)) as site:
        alice = token_for(site, "alice")
        made = api(site, "POST", "/api/v1/salon/generations", alice,
                   json={"prompt": "a red kite", "count": 1, "engine": "openai"}).json()
        site.run_jobs()
        done = api(site, "GET", f"/api/v1/salon/generations/{made['id']}", alice).json()
        assert done["words"] is None  # the service does not say which words it used
        status = api(site, "POST", "/api/v1/statuses", alice, json={
            "status": "kite", "media_ids": [done["candidates"][0]["id"]]}).json()
        assert {k: status["salon"][k] for k in ("ai_generated", "made_with", "label")} == {
            "ai_generated": True, "made_with": "openai", "label": "AI-generated"}
        page = site.anon.get(f"/@alice/{status['id']}").text
        assert re.findall(r'<span class="ai-label"[^>]*>(.*?)</span>', page) == ["AI-generated"]
        assert "Made with openai" not in page


def test_the_composer_offers_what_the_openai_engine_takes(settings: Settings,
                                                         fake: FakeOpenAI) -> None:
    with Site(openai_site_settings(settings, fake)) as site:
        page = site.user("alice").get("/imagine?engine=openai&prompt=a+kite").text
        assert 'name="seed"' not in page and 'name="negative_prompt"' not in page
        assert 'name="style"' not in page
        assert "It takes no seed: the same recipe makes a new picture each time." in page
        caps = page.split("engine-caps\">", 1)[1].split("</p>", 1)[0]
        assert caps.startswith(f"{MODEL} (Images API at") and "64×64 pixels square" in caps, caps
        sketch = site.user("bob").get("/imagine").text  # the default engine keeps its own
        assert 'name="seed"' in sketch and 'name="negative_prompt"' in sketch
        # Only sketch says which words it knows: a model reads any prompt.
        assert 'class="prompt-words"' in sketch and 'class="prompt-words"' not in page

"""The diffusers engine on tiny Stable Diffusion and SDXL pipelines built from configs with
random weights (salon.bench.pipelines), offline: capabilities read from the configs, seeds,
batches, progress per denoising step with previews, cancellation, Vary (subtle),
image-to-image, settings that cannot work, and whole generations through the worker and the
API."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.bench.pipelines import build, build_tiny_autoencoder
from salon.db.ids import utcnow
from salon.generation import credentials, engines, previews, provenance, tasks
from salon.generation import service as generation
from salon.generation.engines import diffusion
from salon.generation.engines.base import EngineRequest
from salon.generation.models import Generation, State
from salon.generation.schemas import GenerationSpec
from salon.jobs.models import Job
from salon.jobs.worker import Worker
from salon.media.store import media_store
from salon.settings import Settings
from tests.api.mastodon.test_endpoints import api, token_for
from tests.conftest import People, Site, settings_for, stored
from tests.databases import Databases


class Stop(Exception):
    """What a cancelled generation's progress callback raises."""


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pipelines")
    return {"sd": build("tiny-sd", root / "tiny-sd"),
            "sdxl": build("tiny-sdxl", root / "tiny-sdxl"),
            "turbo": build("tiny-sd", root / "tiny-sd-turbo", turbo=True),
            "flux": build("tiny-flux", root / "tiny-flux-schnell"),
            "taesd": build_tiny_autoencoder(root / "taesd")}


def engine_for(model: Path, **changes: Any) -> diffusion.DiffusersEngine:
    return diffusion.from_settings(Settings(**{
        "diffusers_model": str(model), "diffusers_steps": 3, **changes}))


class Seen:
    """A progress callback that keeps what it was told."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.fractions: list[float] = []
        self.previews: list[list[Image.Image]] = []
        self.stop_after = stop_after

    def __call__(self, fraction: float, previews: Any = None) -> None:
        self.fractions.append(fraction)
        if previews:
            self.previews.append(list(previews))
        if self.stop_after is not None and len(self.fractions) >= self.stop_after:
            raise Stop


def ask(engine: diffusion.DiffusersEngine, aspect: str = "3:2", **fields: Any) -> EngineRequest:
    width, height = engine.capabilities.sizes[aspect]
    return EngineRequest(**{"prompt": "a red fox in the snow", "width": width,
                            "height": height, "seed": 5, "steps": 3, "guidance": 7.0, **fields})


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_capabilities_come_from_the_pipeline_configs(models: dict[str, Path]) -> None:
    sd = diffusion.from_settings(Settings(diffusers_model=str(models["sd"])))
    assert sd.model == "tiny-sd" and "Stable Diffusion" in sd.label
    # 32 latent pixels at a VAE scale of 2: a 64-pixel square, multiples of 8.
    assert sd.capabilities.sizes["1:1"] == (64, 64)
    assert all(w % 8 == 0 and h % 8 == 0 for w, h in sd.capabilities.sizes.values())
    wide = sd.capabilities.sizes["16:9"]
    assert wide[0] > wide[1] and abs(wide[0] / wide[1] - 16 / 9) < 0.25
    caps = sd.capabilities
    assert (caps.default_steps, caps.default_guidance, caps.negative_prompt) == (25, 7.0, True)
    assert caps.image_to_image and caps.seeds and not caps.previews
    turbo = diffusion.from_settings(Settings(diffusers_model=str(models["turbo"])))
    # Distilled models run a few steps without guidance, so a negative prompt does nothing.
    assert (turbo.capabilities.default_steps, turbo.capabilities.default_guidance) == (4, 0.0)
    assert not turbo.capabilities.negative_prompt
    xl = engine_for(models["sdxl"], diffusers_preview_vae=str(models["taesd"]))
    assert "XL" in xl.label and xl.capabilities.previews


@pytest.mark.parametrize(("changes", "says"), [
    ({"diffusers_model": ""}, "SALON_DIFFUSERS_MODEL must name"),
    ({"diffusers_model": "stabilityai/sd-turbo"}, "downloads are off"),
    ({"diffusers_dtype": "float8"}, "SALON_DIFFUSERS_DTYPE must be one of"),
    ({"diffusers_offload": "disk"}, "SALON_DIFFUSERS_OFFLOAD must be one of"),
    ({"diffusers_preview_vae": "/nowhere/taesd"}, "SALON_DIFFUSERS_PREVIEW_VAE"),
])
def test_settings_that_cannot_work_say_what_to_change(
    models: dict[str, Path], changes: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        diffusion.from_settings(Settings(**{"diffusers_model": str(models["sd"]), **changes}))


def test_a_folder_that_is_not_a_pipeline_is_refused(tmp_path: Path,
                                                    models: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="no model_index.json"):
        diffusion.from_settings(Settings(diffusers_model=str(tmp_path)))
    (tmp_path / "model_index.json").write_text('{"_class_name": "WanPipeline"}')
    with pytest.raises(ValueError, match="is a WanPipeline pipeline"):
        diffusion.from_settings(Settings(diffusers_model=str(tmp_path)))
    with pytest.raises(ValueError, match="unknown engines"):
        engines.check(Settings(engines="sketch,dalle"))
    with pytest.raises(ValueError, match="SALON_DEFAULT_ENGINE"):
        engines.check(Settings(engines="diffusers", diffusers_model=str(models["sd"])))


@pytest.mark.parametrize("kind", ["sd", "sdxl"])
def test_same_seed_same_pixels_and_each_candidate_its_own_seed(
    models: dict[str, Path], kind: str
) -> None:
    engine = engine_for(models[kind])
    batch = engine.generate(ask(engine, count=3, negative_prompt="blurry"), Seen()).images
    assert [im.size for im in batch] == [engine.capabilities.sizes["3:2"]] * 3
    again = engine.generate(ask(engine, count=3, negative_prompt="blurry"), Seen()).images
    assert [im.tobytes() for im in batch] == [im.tobytes() for im in again]
    alone = engine.generate(ask(engine, seed=6, negative_prompt="blurry"), Seen()).images[0]
    # The second candidate is seed 5 + 1: the same picture as seed 6 made on its own
    # (batched arithmetic may round the last bit differently).
    assert np.abs(pixels(batch[1]) - pixels(alone)).max() <= 2
    assert np.abs(pixels(batch[0]) - pixels(batch[1])).mean() > 10
    other = engine.generate(ask(engine, negative_prompt="sharp"), Seen()).images[0]
    assert np.abs(pixels(other) - pixels(batch[0])).mean() > 0.5  # the negative prompt counts


def test_batches_are_split_at_the_batch_limit(models: dict[str, Path]) -> None:
    whole = engine_for(models["sd"]).generate(ask(engine_for(models["sd"]), count=3), Seen())
    split = engine_for(models["sd"], diffusers_max_batch=1)
    seen = Seen()
    parts = split.generate(ask(split, count=3), seen).images
    assert all(np.abs(pixels(a) - pixels(b)).max() <= 2 for a, b in zip(parts, whole.images,
                                                                         strict=True))
    assert len(seen.fractions) == 3 * 3 + 1  # each group's steps, then done


def test_each_denoising_step_reports_progress_and_previews(models: dict[str, Path]) -> None:
    engine = engine_for(models["sd"], diffusers_preview_vae=str(models["taesd"]))
    seen = Seen()
    engine.generate(ask(engine, count=2, steps=4), seen)
    assert len(seen.fractions) == 4 + 1 and seen.fractions == sorted(seen.fractions)
    assert seen.fractions[0] > 0 and seen.fractions[-1] == 1.0
    assert seen.previews, "the first step shows a preview"
    assert all(len(p) == 2 for p in seen.previews)
    assert all(im.mode == "RGB" and im.width > 0 for p in seen.previews for im in p)
    plain = Seen()
    engine_for(models["sd"]).generate(ask(engine, count=2, steps=4), plain)
    assert not plain.previews


def test_a_cancel_stops_at_the_next_step_and_frees_the_model(models: dict[str, Path]) -> None:
    engine = engine_for(models["sd"])
    stopping = Seen(stop_after=2)
    with pytest.raises(Stop):
        engine.generate(ask(engine, steps=10), stopping)
    assert len(stopping.fractions) == 2
    assert len(engine.generate(ask(engine), Seen()).images) == 1  # the lock was let go


def test_vary_subtle_stays_close_and_image_to_image_starts_from_the_picture(
    models: dict[str, Path]
) -> None:
    engine = engine_for(models["sd"])
    base = engine.generate(ask(engine), Seen()).images[0]
    subtle = engine.generate(ask(engine, subseed=99, subseed_strength=0.15), Seen()).images[0]
    other_seed = engine.generate(ask(engine, seed=77), Seen()).images[0]
    near = np.abs(pixels(subtle) - pixels(base)).mean()
    far = np.abs(pixels(other_seed) - pixels(base)).mean()
    assert 0 < near < far / 2
    unchanged = engine.generate(ask(engine, subseed=99, subseed_strength=1e-9), Seen())
    assert np.abs(pixels(unchanged.images[0]) - pixels(base)).max() <= 2
    first, second = (Image.new("RGB", (90, 60), colour) for colour in ((200, 30, 30),
                                                                      (20, 40, 220)))
    from_first = engine.generate(ask(engine, init_image=first, strength=0.5), Seen()).images[0]
    from_second = engine.generate(ask(engine, init_image=second, strength=0.5), Seen()).images[0]
    assert from_first.size == engine.capabilities.sizes["3:2"]
    # Random weights blur most of a picture away; what is left still follows the source.
    assert np.abs(pixels(from_first) - pixels(from_second)).mean() > 1
    # However low the strength, at least one step runs.
    low = engine.generate(ask(engine, init_image=first, strength=0.0, steps=3), Seen())
    assert len(low.images) == 1


def test_sizes_the_model_cannot_make_are_refused(models: dict[str, Path]) -> None:
    engine = engine_for(models["sd"])
    with pytest.raises(diffusion.EngineError, match="multiples of 8"):
        engine.generate(EngineRequest("a fox", width=60, height=64), Seen())


# --- whole generations ---------------------------------------------------------------------

def slow_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps slow enough (and ticks quick enough) for the live view to see some of them."""
    monkeypatch.setattr(tasks, "TICK", 0.02)
    report = tasks._Progress.report

    def slowly(self: tasks._Progress, fraction: float, shown: Any = None) -> None:
        time.sleep(0.1)
        report(self, fraction, shown)

    monkeypatch.setattr(tasks._Progress, "report", slowly)


@pytest.fixture
def settings(tmp_path: Path, databases: Databases, models: dict[str, Path]
             ) -> Iterator[Settings]:
    database = databases.fresh(tmp_path)
    yield settings_for(tmp_path, database, engines="sketch,diffusers",
                       default_engine="diffusers", diffusers_model=str(models["sd"]),
                       diffusers_steps=3, diffusers_preview_vae=str(models["taesd"]))
    databases.drop(database)


async def test_a_generation_through_the_worker_stores_signed_candidates(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = await people.make("alice")
    made = await generation.request(session, settings, alice, GenerationSpec(
        "a lighthouse on a cliff", negative_prompt="fog", count=2, aspect="2:3", seed=11))
    await session.commit()
    assert (made.engine, made.model, made.steps, made.guidance) == ("diffusers", "tiny-sd",
                                                                     3, 7.0)
    store = media_store(settings)
    stored_previews: list[str] = []
    real_store = previews.store

    async def watch(*args: Any) -> None:  # previews are written while it runs
        await real_store(*args)
        stored_previews.extend(previews.keys(settings, args[2], args[2].preview_version))

    monkeypatch.setattr(previews, "store", watch)
    monkeypatch.setattr(diffusion, "PREVIEW_EVERY", 0.0)
    slow_steps(monkeypatch)
    await worker.drain()
    await session.refresh(made)
    assert (made.state, made.progress, made.error) == (State.succeeded, 1.0, None)
    views = (await generation.candidates(session, [made.id]))[made.id]
    assert [v.candidate.seed for v in views] == [11, 12]
    for view in views:
        assert view.media is not None
        assert (view.media.width, view.media.height) == (56, 80)
        data = await store.get(view.media.file_key)
        recipe = provenance.read_recipe(data)
        assert recipe is not None
        assert (recipe["engine"], recipe["model"], recipe["seed"], recipe["negative_prompt"]) == (
            "diffusers", "tiny-sd", view.candidate.seed, "fog")
        found = credentials.read(data, "image/png", settings)
        assert found.valid, found.errors
        assert "diffusers" in (found.software_agent or "")
        assert found.digital_source_type == credentials.TRAINED_ALGORITHMIC_MEDIA
    # Previews were shown while it ran, and are gone now that it is done.
    assert stored_previews
    await worker.drain()  # the file deletions queued with the result
    for key in set(stored_previews):
        assert not await stored(store, key)
    assert previews.shown(settings, made) == []
    again = engines.pick(settings, "diffusers").generate(EngineRequest(
        "a lighthouse on a cliff", "fog", 56, 80, seed=12, steps=3, guidance=7.0), Seen())
    assert views[1].media is not None
    candidate = Image.open(io.BytesIO(await store.get(views[1].media.file_key)))
    assert np.abs(pixels(candidate) - pixels(again.images[0])).max() <= 2  # the recipe remakes it


def test_the_api_offers_the_engine_and_refuses_one_not_enabled(site: Site) -> None:
    headers = token_for(site, "alice")
    offered = site.anon.client.get("/api/v2/instance").json()["salon"]
    assert offered["default_engine"] == "diffusers"
    found = {e["name"]: e for e in offered["engines"]}
    assert list(found) == ["sketch", "diffusers"]
    assert found["diffusers"]["model"] == "tiny-sd" and found["diffusers"]["previews"]
    assert found["diffusers"]["aspects"]["1:1"] == [64, 64]
    assert found["diffusers"]["seeds"] and found["diffusers"]["image_to_image"]
    made = api(site, "POST", "/api/v1/salon/generations", headers,
               json={"prompt": "a kite", "count": 1, "aspect": "1:1"})
    assert made.status_code == 202, made.text
    assert made.json()["engine"] == "diffusers"
    site.run_jobs()
    done = api(site, "GET", f"/api/v1/salon/generations/{made.json()['id']}", headers).json()
    assert done["state"] == "succeeded" and done["previews"] == []
    assert done["candidates"][0]["meta"]["original"]["width"] == 64
    refused = api(site, "POST", "/api/v1/salon/generations", headers,
                  json={"prompt": "a kite", "engine": "openai"})
    assert refused.status_code == 422
    assert "choose one of: sketch, diffusers" in refused.text


def test_a_starting_worker_loads_the_model_once(models: dict[str, Path]) -> None:
    settings = Settings(engines="sketch,diffusers", diffusers_model=str(models["sdxl"]))
    diffusion.release()
    engines.warm(settings)
    engine = engines.pick(settings, "diffusers")
    assert isinstance(engine, diffusion.DiffusersEngine)
    loaded = diffusion._load(engine.config)
    assert diffusion._load(engine.config) is loaded  # kept, not loaded again


def test_the_gpu_benchmark_runs_here_on_tiny_pipelines(tmp_path: Path) -> None:
    from salon.bench import gpu

    said: list[str] = []
    path = gpu.run(["tiny-sd", "tiny-flux"], ["float32"], [False], [1, 2], "cpu", 2, 1, tmp_path,
                   said.append)
    table = path.read_text()
    assert "| tiny-sd | 64x64 | float32 | no | 1 |" in table
    assert "| tiny-sd | 64x64 | float32 | no | 2 |" in table
    assert "| tiny-flux | 32x32 | float32 | no | 2 |" in table
    assert len(json.loads(path.with_suffix(".json").read_text())) == 4
    assert any("ms/image" in line for line in said)
    with pytest.raises(ValueError, match="unknown sizes"):
        gpu.run(["sd3"], ["float32"], [False], [1], "cpu", 2, 1, tmp_path, said.append)


def test_only_processes_that_run_jobs_need_the_extra(models: dict[str, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(engines="sketch,diffusers", diffusers_model=str(models["sd"]))
    real = diffusion.importlib.util.find_spec
    monkeypatch.setattr(diffusion.importlib.util, "find_spec",
                        lambda name, *a: None if name == "diffusers" else real(name, *a))
    engines.check(settings)  # a web server reads the configs only
    with pytest.raises(ValueError, match=r'pip install "salon\[diffusers\]"'):
        engines.check(settings, runs_jobs=True)


def test_flux_pipelines_make_pictures_from_text_and_from_pictures(
    models: dict[str, Path]
) -> None:
    engine = engine_for(models["flux"], diffusers_steps=0)
    caps = engine.capabilities
    assert "FLUX.1" in engine.label and not caps.negative_prompt and not caps.previews
    assert (caps.default_steps, caps.default_guidance) == (4, 0.0)  # schnell
    seen = Seen()
    made = engine.generate(ask(engine, steps=4, guidance=0.0, count=2), seen).images
    assert [im.size for im in made] == [caps.sizes["3:2"]] * 2
    assert len(seen.fractions) == 4 + 1
    again = engine.generate(ask(engine, steps=4, guidance=0.0, count=2), Seen()).images
    assert [im.tobytes() for im in made] == [im.tobytes() for im in again]
    edited = engine.generate(ask(engine, steps=4, guidance=0.0, init_image=made[0],
                                 strength=0.5), Seen()).images
    assert [im.size for im in edited] == [caps.sizes["3:2"]]
    subtle = engine.generate(ask(engine, steps=4, guidance=0.0, subseed=99,
                                 subseed_strength=0.15), Seen()).images[0]
    unchanged = engine.generate(ask(engine, steps=4, guidance=0.0, subseed=99,
                                    subseed_strength=1e-9), Seen()).images[0]
    near = np.abs(pixels(subtle) - pixels(made[0])).mean()
    assert 0 < near < np.abs(pixels(made[1]) - pixels(made[0])).mean() / 2
    assert np.abs(pixels(unchanged) - pixels(made[0])).max() <= 2  # the seed's own noise


async def _fox(session: AsyncSession, settings: Settings, people: People,
               count: int) -> Generation:
    """Alice's generation of a fox, committed and queued for the worker."""
    made = await generation.request(session, settings, await people.make("alice"),
                                    GenerationSpec("a fox", count=count))
    await session.commit()
    return made


async def test_a_generation_waits_in_the_queue_while_the_engine_is_busy(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = await _fox(session, settings, people, count=1)
    monkeypatch.setattr(tasks, "BUSY", {"diffusers"})  # another generation has the model
    await worker.drain()
    await session.refresh(made)
    assert (made.state, made.progress) == (State.queued, 0.0)  # not "running" at 0%
    job = await session.scalar(select(Job).where(Job.kind == generation.RUN_JOB))
    assert job is not None and (job.status, job.attempts) == ("queued", 0)
    tasks.BUSY.clear()
    await session.execute(update(Job).values(run_at=utcnow()))
    await session.commit()
    await worker.drain()
    await session.refresh(made)
    assert made.state == State.succeeded and set() == tasks.BUSY  # the turn was given back


async def test_previews_a_crashed_try_left_go_even_when_no_try_follows(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
) -> None:
    made = await _fox(session, settings, people, count=2)
    store = media_store(settings)
    old = previews.keys(settings, made, 3) + previews.keys(settings, made, 4)
    for key in old:  # as a worker that died mid-way left them
        await store.put(key, b"old preview", "image/webp")
    # Cancelled before another worker took the job up again.
    made.preview_version, made.state = 4, State.cancelled
    await session.commit()
    await worker.drain()
    for key in old:
        assert not await stored(store, key)


async def test_a_failed_progress_tick_loses_nothing(
    session: AsyncSession, settings: Settings, people: People, worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = await _fox(session, settings, people, count=3)
    monkeypatch.setattr(diffusion, "PREVIEW_EVERY", 0.0)
    calls: list[bool] = []
    monkeypatch.setattr(previews, "store", _fails_once(previews.store, calls))
    slow_steps(monkeypatch)
    await worker.drain()
    await session.refresh(made)
    assert made.state == State.succeeded, made.error
    assert len(calls) >= 2  # the failed tick, then later ones stored previews again
    # Two candidates of three in the first batch: the third preview slot is grey, not absent.
    shown = previews.encode([Image.new("RGB", (64, 64), "red")] * 2, 3)
    assert len(shown) == 3 and previews.encode([], 3) == []


def _fails_once(real: Any, calls: list[bool]) -> Any:
    async def store(*args: Any) -> None:
        calls.append(True)
        if len(calls) == 1:
            raise OSError("the media store is briefly away")
        await real(*args)

    return store

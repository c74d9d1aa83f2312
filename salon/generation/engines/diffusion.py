"""The diffusers engine: Stable Diffusion family pipelines (SD 1.5/2.1, SD-Turbo, SDXL,
SDXL-Turbo, FLUX.1) run with Hugging Face diffusers in the worker process.

Building the engine reads only the pipeline's JSON configs (no torch): the composer does it
for every page. The weights load on the first generation and stay loaded; one generation at
a time uses them (pipelines are not thread-safe, and it bounds GPU memory). Needs the
`diffusers` extra; nothing is downloaded unless SALON_DIFFUSERS_ALLOW_DOWNLOAD is on.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from salon.generation.engines.base import (
    ASPECTS,
    Capabilities,
    EngineError,
    EngineRequest,
    Output,
    Progress,
)
from salon.settings import Settings

log = logging.getLogger("salon.generation.diffusers")

FAMILIES = {"StableDiffusionPipeline": "sd", "StableDiffusionXLPipeline": "sdxl",
            "FluxPipeline": "flux"}
LABELS = {"sd": "Stable Diffusion", "sdxl": "Stable Diffusion XL", "flux": "FLUX.1"}
DTYPES = ("auto", "float16", "bfloat16", "float32")
OFFLOAD = ("none", "model")
PREVIEW_EVERY = 0.3  # seconds between preview decodes: the live view saves one a tick


@dataclass(frozen=True)
class Model:
    """What a pipeline's config files say about it."""

    source: str  # the folder (or hub id) diffusers loads
    name: str  # for recipes and the composer
    family: str  # sd | sdxl | flux
    base: int  # the square side it was trained at, in pixels
    multiple: int  # width and height must be multiples of this
    latent_channels: int
    vae_scale: int
    turbo: bool  # distilled for a few steps without guidance (Turbo, schnell)


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"SALON_DIFFUSERS_MODEL: cannot read {path} ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"SALON_DIFFUSERS_MODEL: {path} is not a JSON object")
    return data


def _folder(source: str, allow_download: bool) -> Path:
    folder = Path(source).expanduser()
    if folder.is_dir():
        if not (folder / "model_index.json").is_file():
            raise ValueError(f"SALON_DIFFUSERS_MODEL={source!r} has no model_index.json: name a "
                             "folder saved by diffusers (save_pretrained or a hub snapshot)")
        return folder
    if not allow_download:
        raise ValueError(f"SALON_DIFFUSERS_MODEL={source!r} is not a folder here, and downloads "
                         "are off: download the pipeline into a folder and name that, or set "
                         "SALON_DIFFUSERS_ALLOW_DOWNLOAD=true to fetch it from the hub")
    from huggingface_hub import snapshot_download  # configs only; weights come on first use

    return Path(snapshot_download(source, allow_patterns=["*.json", "*.txt"]))


@lru_cache(maxsize=8)
def read_model(source: str, allow_download: bool) -> Model:
    folder = _folder(source, allow_download)
    kind = str(_json(folder / "model_index.json").get("_class_name", ""))
    family = FAMILIES.get(kind)
    if family is None:
        raise ValueError(f"SALON_DIFFUSERS_MODEL={source!r} is a {kind or 'unknown'} pipeline; "
                         f"the diffusers engine runs {', '.join(FAMILIES)}")
    vae = _json(folder / "vae" / "config.json")
    vae_scale = 2 ** (len(vae.get("block_out_channels", [0] * 4)) - 1)
    if family == "flux":  # latents are packed in 2x2 patches
        base, multiple = int(vae.get("sample_size", 1024)), vae_scale * 2
    else:
        unet = _json(folder / "unet" / "config.json")
        base = int(unet.get("sample_size", 64)) * vae_scale
        # The pipelines also want multiples of 8 (all of these are powers of two).
        multiple = max(8, vae_scale * 2 ** (len(unet.get("block_out_channels", [0] * 4)) - 1))
    name = source.rstrip("/").rsplit("/", 1)[-1] if Path(source).is_dir() else source
    turbo = any(word in name.lower() for word in ("turbo", "schnell"))
    return Model(source=str(folder) if Path(source).is_dir() else source, name=name,
                 family=family, base=base, multiple=multiple,
                 latent_channels=int(vae.get("latent_channels", 4)), vae_scale=vae_scale,
                 turbo=turbo)


def sizes(base: int, multiple: int) -> dict[str, tuple[int, int]]:
    """Each aspect at about the model's trained area, in multiples it can denoise."""
    found: dict[str, tuple[int, int]] = {}
    for aspect in ASPECTS:
        w, h = (int(x) for x in aspect.split(":"))
        ratio = math.sqrt(w / h)
        found[aspect] = (max(multiple, round(base * ratio / multiple) * multiple),
                         max(multiple, round(base / ratio / multiple) * multiple))
    return found


def _defaults(model: Model) -> tuple[int, float]:
    """Steps and guidance each family is usually run with."""
    if model.turbo:
        return 4, 0.0
    return {"sd": (25, 7.0), "sdxl": (30, 6.0), "flux": (28, 3.5)}[model.family]


@dataclass(frozen=True)
class Config:
    """How to load and run it: the key of the loaded pipeline."""

    source: str
    family: str
    allow_download: bool
    device: str
    dtype: str
    compile: bool
    preview_vae: str
    max_batch: int
    memory_fraction: float
    offload: str


@dataclass
class Loaded:
    text: Any  # the text-to-image pipeline
    device: str
    preview: Any = None  # a tiny autoencoder for previews, if configured
    image: Any = None  # image-to-image, sharing the text pipeline's weights (made on first use)
    lock: threading.Lock = field(default_factory=threading.Lock)


_loaded: dict[Config, Loaded] = {}
_loading = threading.Lock()


def _device(wanted: str) -> str:
    import torch

    if wanted != "auto":
        return wanted
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def _dtype(config: Config, device: str) -> Any:
    import torch

    if config.dtype != "auto":
        return getattr(torch, config.dtype)
    if device == "cpu":
        return torch.float32
    return torch.bfloat16 if config.family == "flux" else torch.float16


def _quiet() -> None:
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    for logs in (diffusers_logging, transformers_logging):
        logs.set_verbosity_error()
        logs.disable_progress_bar()


def _prepare(config: Config, pipe: Any, device: str) -> Loaded:
    """Put a pipeline where it runs, as fast as the settings allow."""
    import torch
    from diffusers import AutoencoderTiny

    dtype = _dtype(config, device)
    if device.startswith("cuda"):
        torch.cuda.set_per_process_memory_fraction(config.memory_fraction,
                                                   torch.device(device))
    pipe.set_progress_bar_config(disable=True)
    if config.offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device, dtype)
    denoiser = "transformer" if config.family == "flux" else "unet"
    if device != "cpu" and denoiser == "unet":  # convolutions run faster channels-last
        pipe.unet.to(memory_format=torch.channels_last)
        pipe.vae.to(memory_format=torch.channels_last)
    if config.compile:
        setattr(pipe, denoiser, torch.compile(getattr(pipe, denoiser)))
    preview = None
    if config.preview_vae and config.family != "flux":
        preview = AutoencoderTiny.from_pretrained(
            config.preview_vae, dtype=dtype,
            local_files_only=not config.allow_download).to(device)
    return Loaded(text=pipe, device=device, preview=preview)


def _load(config: Config) -> Loaded:
    """The pipeline for `config`, loaded once per process; another config replaces it."""
    with _loading:
        if config in _loaded:
            return _loaded[config]
        _loaded.clear()  # one model resident at a time bounds memory
        from diffusers import AutoPipelineForText2Image

        _quiet()
        device = _device(config.device)
        started = time.perf_counter()
        try:
            pipe = AutoPipelineForText2Image.from_pretrained(
                config.source, dtype=_dtype(config, device),
                local_files_only=not config.allow_download)
            _loaded[config] = _prepare(config, pipe, device)
        except (OSError, ValueError, RuntimeError) as exc:
            log.exception("loading %s failed", config.source)
            raise EngineError(f"The diffusers model could not be loaded ({type(exc).__name__}: "
                              f"{str(exc)[:300]}). An administrator must check "
                              "SALON_DIFFUSERS_MODEL and SALON_DIFFUSERS_DEVICE.") from None
        log.info("loaded %s on %s in %.1fs", config.source, device,
                 time.perf_counter() - started)
        return _loaded[config]


def release() -> None:
    """Let go of the loaded pipeline (its memory goes when nothing else holds it)."""
    with _loading:
        _loaded.clear()


def adopt(config: Config, pipe: Any) -> None:
    """Run `config` on a pipeline built in memory (the GPU benchmark's random weights)."""
    with _loading:
        _loaded.clear()
        _quiet()
        _loaded[config] = _prepare(config, pipe, _device(config.device))


def _slerp(t: float, a: Any, b: Any) -> Any:
    """Spherical interpolation between two noises: the mix stays noise-like (unit variance)."""
    import torch

    dot = torch.sum(a * b) / (torch.linalg.norm(a) * torch.linalg.norm(b))
    omega = torch.arccos(torch.clamp(dot, -1.0, 1.0))
    if float(torch.sin(omega)) < 1e-6:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


class DiffusersEngine:
    name = "diffusers"
    trained = True
    recipe_fields: tuple[str, ...] = ("negative_prompt", "seed", "variation", "steps",
                                      "guidance")
    exclusive = True  # one generation at a time per process: the worker queues the rest

    def __init__(self, settings: Settings, model: Model) -> None:
        self.info = model
        self.model = self.title = model.name
        self.label = f"{model.name} ({LABELS[model.family]}, diffusers)"
        steps, guidance = _defaults(model)
        steps = settings.diffusers_steps or steps
        guidance = guidance if settings.diffusers_guidance < 0 else settings.diffusers_guidance
        self.capabilities = Capabilities(
            text_to_image=True, image_to_image=True,
            negative_prompt=model.family != "flux" and guidance > 1.0,
            sizes=sizes(model.base, model.multiple), max_count=4, styles=(),
            default_steps=steps, default_guidance=guidance, seeds=True,
            previews=bool(settings.diffusers_preview_vae) and model.family != "flux",
        )
        self.config = Config(
            source=model.source, family=model.family,
            allow_download=settings.diffusers_allow_download, device=settings.diffusers_device,
            dtype=settings.diffusers_dtype, compile=settings.diffusers_compile,
            preview_vae=settings.diffusers_preview_vae, max_batch=settings.diffusers_max_batch,
            memory_fraction=settings.diffusers_gpu_memory_fraction,
            offload=settings.diffusers_offload,
        )

    def ready(self) -> None:
        """Whether this process can run it (web servers need only the configs)."""
        if not all(importlib.util.find_spec(name) for name in ("torch", "diffusers")):
            raise ValueError('the diffusers engine runs in processes with its extra: '
                             'pip install "salon[diffusers]"')

    def warm(self) -> None:
        _load(self.config)

    def generate(self, request: EngineRequest, progress: Progress) -> Output:
        multiple = self.info.multiple
        if request.width % multiple or request.height % multiple:
            raise EngineError(f"The {self.model} model makes pictures in multiples of "
                              f"{multiple} pixels, not {request.width}x{request.height}.")
        loaded = _load(self.config)
        while not loaded.lock.acquire(timeout=0.25):  # another generation has the model
            progress(0.0)  # notices a cancel while waiting
        try:
            return Output(self._run(loaded, request, progress))
        finally:
            loaded.lock.release()

    def _pipeline(self, loaded: Loaded, image_to_image: bool) -> Any:
        if not image_to_image:
            return loaded.text
        if loaded.image is None:
            from diffusers import AutoPipelineForImage2Image

            loaded.image = AutoPipelineForImage2Image.from_pipe(loaded.text)
            loaded.image.set_progress_bar_config(disable=True)
        return loaded.image

    def _noise(self, loaded: Loaded, request: EngineRequest, seeds: list[int]) -> Any:
        """Starting latents for Vary (subtle): each seed's noise with a little of another.
        Drawn as the pipeline draws its own (CPU generator, the model's dtype), so at no mix
        it is the seed's own picture."""
        import torch

        dtype, info = loaded.text.dtype, self.info
        packed = 2 if info.family == "flux" else 1  # FLUX packs 2x2 latent patches
        height = packed * (request.height // (info.vae_scale * packed))
        width = packed * (request.width // (info.vae_scale * packed))
        shape = (1, info.latent_channels, height, width)

        def noise(seed: int) -> Any:
            generator = torch.Generator("cpu").manual_seed(seed)
            return torch.randn(shape, generator=generator, dtype=dtype).float()

        mixed = torch.cat([
            _slerp(request.subseed_strength, noise(seed),
                   noise((request.subseed or 0) + seed - request.seed))
            for seed in seeds]).to(loaded.device, dtype)
        if info.family == "flux":
            mixed = loaded.text._pack_latents(mixed, len(seeds), info.latent_channels, height,
                                              width)
        return mixed

    def _run(self, loaded: Loaded, request: EngineRequest, progress: Progress
             ) -> list[Image.Image]:
        import torch

        init = request.init_image
        pipe = self._pipeline(loaded, init is not None)
        count, batch = request.count, self.config.max_batch
        groups = [list(range(i, min(count, i + batch))) for i in range(0, count, batch)]
        done: list[Image.Image] = []
        for number, group in enumerate(groups):
            seeds = [request.seed + i for i in group]
            # Seeded on the CPU: the same seed starts from the same noise on any device.
            kwargs: dict[str, Any] = {
                "prompt": [request.prompt] * len(group),
                "num_inference_steps": max(1, request.steps),
                "guidance_scale": request.guidance,
                "generator": [torch.Generator("cpu").manual_seed(s) for s in seeds],
                "callback_on_step_end": self._reporter(loaded, progress, number, len(groups),
                                                       done),
            }
            if request.negative_prompt and self.capabilities.negative_prompt:
                kwargs["negative_prompt"] = [request.negative_prompt] * len(group)
            if init is not None:
                fitted = ImageOps.fit(init.convert("RGB"), (request.width, request.height),
                                      Image.Resampling.LANCZOS)
                kwargs["image"] = [fitted] * len(group)
                if self.info.family == "flux":  # it would make its default size otherwise
                    kwargs["width"], kwargs["height"] = request.width, request.height
                # At least one denoising step, however low the strength.
                kwargs["strength"] = min(1.0, max(request.strength, 1.0 / kwargs[
                    "num_inference_steps"] + 1e-6))
            else:
                kwargs["width"], kwargs["height"] = request.width, request.height
                if request.subseed is not None and request.subseed_strength > 0:
                    kwargs["latents"] = self._noise(loaded, request, seeds)
            with torch.inference_mode():
                result = pipe(**kwargs)
            flagged = getattr(result, "nsfw_content_detected", None)
            if flagged and any(flagged):
                raise EngineError("The model's safety checker held back these pictures. "
                                  "Change the prompt and try again.")
            done.extend(result.images)
        progress(1.0)
        return done

    def _reporter(self, loaded: Loaded, progress: Progress, number: int, groups: int,
                  done: list[Image.Image]) -> Any:
        """A callback for each denoising step: progress, and now and then a preview."""
        last = [0.0]

        def on_step(pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]
                    ) -> dict[str, Any]:
            total = max(1, int(getattr(pipe, "num_timesteps", 0) or 1))
            fraction = 0.97 * (number + min(1.0, (step + 1) / total)) / groups
            previews = None
            now = time.perf_counter()
            if loaded.preview is not None and now - last[0] >= PREVIEW_EVERY:
                last[0] = now
                previews = done + self._decode_preview(loaded, pipe, tensors["latents"])
            progress(fraction, previews)
            return tensors

        return on_step

    def _decode_preview(self, loaded: Loaded, pipe: Any, latents: Any) -> list[Image.Image]:
        import torch

        with torch.inference_mode():
            decoded = loaded.preview.decode(latents.to(loaded.preview.dtype)).sample
        return list(pipe.image_processor.postprocess(decoded.float(), output_type="pil"))


def from_settings(settings: Settings) -> DiffusersEngine:
    if not settings.diffusers_model:
        raise ValueError("SALON_DIFFUSERS_MODEL must name a diffusers pipeline folder (with "
                         "model_index.json) for the diffusers engine")
    if settings.diffusers_dtype not in DTYPES:
        raise ValueError(f"SALON_DIFFUSERS_DTYPE must be one of {', '.join(DTYPES)}")
    if settings.diffusers_offload not in OFFLOAD:
        raise ValueError(f"SALON_DIFFUSERS_OFFLOAD must be one of {', '.join(OFFLOAD)}")
    if settings.diffusers_preview_vae and not Path(settings.diffusers_preview_vae).is_dir() \
            and not settings.diffusers_allow_download:
        raise ValueError(f"SALON_DIFFUSERS_PREVIEW_VAE={settings.diffusers_preview_vae!r} is "
                         "not a folder here (and downloads are off)")
    return DiffusersEngine(settings, read_model(settings.diffusers_model,
                                                settings.diffusers_allow_download))

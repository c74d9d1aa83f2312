"""`salon bench-gpu`: the diffusers engine's speed on real-size architectures.

Each pipeline is built from its published shape with random weights, directly on the device
(random weights cost the same time as trained ones, and nothing is downloaded), handed to
the engine, and timed end to end through `DiffusersEngine.generate`: prompt encoding, the
denoising steps with their progress callback, VAE decoding and the PIL images. Results go
to a Markdown table in bench/results/ named after the device.
"""

from __future__ import annotations

import json
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from salon.bench.pipelines import SIZES, random_pipeline
from salon.generation.engines import diffusion
from salon.generation.engines.base import EngineRequest
from salon.settings import Settings


@dataclass(frozen=True)
class Case:
    size: str
    dtype: str
    compile: bool
    batch: int


@dataclass
class Timing:
    case: Case
    width: int
    height: int
    steps: int
    runs_s: list[float]
    peak_gib: float | None

    @property
    def per_image_ms(self) -> float:
        return statistics.median(self.runs_s) / self.case.batch * 1000

    @property
    def images_per_s(self) -> float:
        return self.case.batch / statistics.median(self.runs_s)


def _write_configs(pipe: Any, folder: Path) -> None:
    """The JSON files the engine reads its capabilities from (no weights)."""
    pipe.save_config(folder)
    for name in ("unet", "transformer", "vae"):
        part = getattr(pipe, name, None)
        if part is not None:
            part.save_config(folder / name)


def time_case(case: Case, device: str, steps: int, runs: int,
              echo: Callable[[str], None]) -> Timing:
    import torch

    with tempfile.TemporaryDirectory() as configs:
        folder = Path(configs) / f"random-{case.size}"
        pipe = random_pipeline(case.size, device, getattr(torch, case.dtype))
        _write_configs(pipe, folder)
        engine = diffusion.from_settings(Settings(
            diffusers_model=str(folder), diffusers_device=device, diffusers_dtype=case.dtype,
            diffusers_compile=case.compile, diffusers_max_batch=case.batch))
        diffusion.adopt(engine.config, pipe)
        width, height = engine.capabilities.sizes["1:1"]
        request = EngineRequest("a lighthouse on a cliff at dawn, oil painting",
                                "blurry", width, height, seed=1, count=case.batch,
                                steps=steps, guidance=engine.capabilities.default_guidance)
        warmups = 2 if case.compile else 1  # compiling happens in the first call
        for _ in range(warmups):
            engine.generate(request, lambda *_: None)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            engine.generate(request, lambda *_: None)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
        peak = (torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda")
                else None)
    del pipe, engine
    diffusion.release()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    timing = Timing(case, width, height, steps, times, peak)
    echo(f"  {case.size} {case.dtype} compile={case.compile} batch {case.batch}: "
         f"{timing.per_image_ms:,.0f} ms/image, {timing.images_per_s:.2f} images/s")
    return timing


def device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return str(torch.cuda.get_device_name(torch.device(device)))
    return f"{platform.processor() or platform.machine()} CPU"


def report(timings: list[Timing], device: str, steps: int, runs: int) -> str:
    import torch

    name = device_name(device)
    lines = [
        f"# salon bench-gpu: {name}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "",
        "| | |", "|---|---|",
        f"| Device | {name} (`{device}`) |",
        f"| torch | {torch.__version__} (CUDA {torch.version.cuda or '-'}) |",
        f"| diffusers | {version('diffusers')} |",
        f"| Python | {platform.python_version()} |",
        f"| Work | text-to-image at each size's 1:1 resolution, {steps} denoising steps "
        f"with guidance where the family uses it, VAE decode, PIL output; median of {runs} "
        "runs after warm-up; random weights |", "",
        "| Architecture | Resolution | dtype | torch.compile | Batch | ms per image | "
        "images/s | ms per step (batch) | Peak GiB |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        per_step = statistics.median(t.runs_s) * 1000 / t.steps
        peak = f"{t.peak_gib:.1f}" if t.peak_gib is not None else "-"
        lines.append(f"| {t.case.size} | {t.width}x{t.height} | {t.case.dtype} | "
                     f"{'yes' if t.case.compile else 'no'} | {t.case.batch} | "
                     f"{t.per_image_ms:,.0f} | {t.images_per_s:.2f} | {per_step:,.1f} | "
                     f"{peak} |")
    return "\n".join(lines) + "\n"


def run(sizes: list[str], dtypes: list[str], compiles: list[bool], batches: list[int],
        device: str, steps: int, runs: int, results: Path,
        echo: Callable[[str], None]) -> Path:
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        raise ValueError(f"unknown sizes {unknown}; choose from {', '.join(SIZES)}")
    cases = len(sizes) * len(dtypes) * len(compiles) * len(batches)
    echo(f"salon bench-gpu on {device_name(device)}: {cases} cases")
    timings = [time_case(Case(size, dtype, compiled, batch), device, steps, runs, echo)
               for size in sizes for dtype in dtypes for compiled in compiles
               for batch in batches]
    results.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", device_name(device).lower()).strip("-")
    path = results / f"{datetime.now(UTC):%Y%m%d-%H%M%S}-gpu-{slug}.md"
    path.write_text(report(timings, device, steps, runs))
    (path.with_suffix(".json")).write_text(json.dumps([{
        "size": t.case.size, "dtype": t.case.dtype, "compile": t.case.compile,
        "batch": t.case.batch, "width": t.width, "height": t.height, "steps": t.steps,
        "runs_s": t.runs_s, "peak_gib": t.peak_gib} for t in timings], indent=1))
    echo(f"Wrote {path}")
    return path

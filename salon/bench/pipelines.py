"""Diffusers pipelines with random weights, built from configs: nothing is downloaded.

The tests run the diffusers engine end to end on `tiny` ones (as diffusers' own tests do);
the GPU benchmark times real-size architectures, which cost the same with random weights as
with trained ones. Needs the `diffusers` extra.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

SPECIAL = ("<|startoftext|>", "<|endoftext|>")


def _byte_characters() -> list[str]:
    """The 256 characters byte-level BPE spells bytes with (GPT-2's table)."""
    visible = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
               *range(ord("®"), ord("ÿ") + 1)]
    extra = 0
    chars: dict[int, str] = {}
    for b in range(256):
        if b in visible:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def write_tokenizer(folder: Path) -> int:
    """A CLIP tokenizer over single bytes (no merges): every prompt tokenizes, offline.
    Returns the vocabulary size."""
    folder.mkdir(parents=True, exist_ok=True)
    chars = _byte_characters()
    tokens = [*SPECIAL, *chars, *(c + "</w>" for c in chars)]
    (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    from transformers import CLIPTokenizer

    CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                  model_max_length=77).save_pretrained(folder)
    return len(tokens)


def _text_config(vocab: int, hidden: int, layers: int, heads: int, projection: int) -> Any:
    from transformers import CLIPTextConfig

    return CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, vocab_size=vocab,
                          hidden_size=hidden, intermediate_size=hidden * 4,
                          num_hidden_layers=layers, num_attention_heads=heads,
                          projection_dim=projection, max_position_embeddings=77,
                          hidden_act="gelu")


# UNet and VAE shapes: a tiny one for tests and the published shapes for timing.
SIZES: dict[str, dict[str, Any]] = {
    "tiny-sd": {"family": "sd", "unet": {
        "block_out_channels": (8, 16), "layers_per_block": 1, "sample_size": 32,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
        "cross_attention_dim": 16, "attention_head_dim": 2, "norm_num_groups": 4},
        "vae": (8, 16), "text": (16, 2, 2, 16)},
    "tiny-sdxl": {"family": "sdxl", "unet": {
        "block_out_channels": (8, 16), "layers_per_block": 1, "sample_size": 32,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
        "attention_head_dim": (2, 4), "use_linear_projection": True,
        "addition_embed_type": "text_time", "addition_time_embed_dim": 8,
        "transformer_layers_per_block": (1, 2), "projection_class_embeddings_input_dim": 64,
        "cross_attention_dim": 32, "norm_num_groups": 4},
        "vae": (8, 16), "text": (16, 2, 2, 16)},
    # SD 2.1 / SD-Turbo: 865M-parameter UNet, 512 px; OpenCLIP-H text encoder.
    "sd-turbo": {"family": "sd", "unet": {
        "block_out_channels": (320, 640, 1280, 1280), "layers_per_block": 2,
        "sample_size": 64, "cross_attention_dim": 1024, "attention_head_dim": (5, 10, 20, 20),
        "use_linear_projection": True},
        "vae": (128, 256, 512, 512), "text": (1024, 23, 16, 1024)},
    # SDXL / SDXL-Turbo: 2.6B-parameter UNet, 1024 px; CLIP-L and OpenCLIP-bigG encoders.
    "sdxl": {"family": "sdxl", "unet": {
        "block_out_channels": (320, 640, 1280), "layers_per_block": 2, "sample_size": 128,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        "attention_head_dim": (5, 10, 20), "use_linear_projection": True,
        "addition_embed_type": "text_time", "addition_time_embed_dim": 256,
        "transformer_layers_per_block": (1, 2, 10),
        "projection_class_embeddings_input_dim": 2816, "cross_attention_dim": 2048},
        "vae": (128, 256, 512, 512), "text": (768, 12, 12, 768), "text_2": (1280, 32, 20, 1280)},
    "tiny-flux": {"family": "flux", "transformer": {
        "patch_size": 1, "in_channels": 4, "num_layers": 1, "num_single_layers": 1,
        "attention_head_dim": 16, "num_attention_heads": 2, "joint_attention_dim": 32,
        "pooled_projection_dim": 32, "axes_dims_rope": [4, 4, 8]},
        "vae": (4,), "latent_channels": 1, "vae_sample_size": 32, "text": (32, 2, 2, 32),
        "t5": {"d_model": 32, "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_heads": 4}},
    # FLUX.1-schnell: a 12B-parameter transformer, 1024 px; CLIP-L and T5-XXL encoders.
    "flux-schnell": {"family": "flux", "transformer": {
        "patch_size": 1, "in_channels": 64, "num_layers": 19, "num_single_layers": 38,
        "attention_head_dim": 128, "num_attention_heads": 24, "joint_attention_dim": 4096,
        "pooled_projection_dim": 768, "axes_dims_rope": [16, 56, 56]},
        "vae": (128, 256, 512, 512), "latent_channels": 16, "vae_sample_size": 1024,
        "text": (768, 12, 12, 768),
        "t5": {"d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24, "num_heads": 64,
               "feed_forward_proj": "gated-gelu"}},
}


def _flux(spec: dict[str, Any], vocab: int, tokenizer: Any, device: str) -> Any:
    import torch
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        FluxPipeline,
        FluxTransformer2DModel,
    )
    from transformers import CLIPTextModel, T5Config, T5EncoderModel

    blocks = spec["vae"]
    with torch.device(device):
        transformer = FluxTransformer2DModel(**spec["transformer"])
        vae = AutoencoderKL(block_out_channels=blocks, latent_channels=spec["latent_channels"],
                            down_block_types=["DownEncoderBlock2D"] * len(blocks),
                            up_block_types=["UpDecoderBlock2D"] * len(blocks),
                            norm_num_groups=min(32, blocks[0] // 2) or 1,
                            sample_size=spec["vae_sample_size"], use_quant_conv=False,
                            use_post_quant_conv=False, shift_factor=0.1159,
                            scaling_factor=0.3611)
        text = CLIPTextModel(_text_config(vocab, *spec["text"]))
        # The T5 encoder reads the same byte-level tokens (a CLIP tokenizer stands in).
        t5_config: dict[str, Any] = {"vocab_size": vocab, "pad_token_id": 1,
                                     "eos_token_id": 1, "decoder_start_token_id": 0,
                                     **spec["t5"]}
        t5 = T5EncoderModel(T5Config(**t5_config))
    return FluxPipeline(scheduler=FlowMatchEulerDiscreteScheduler(shift=1.0), vae=vae,
                        text_encoder=text, tokenizer=tokenizer, text_encoder_2=t5,
                        tokenizer_2=tokenizer, transformer=transformer)


def random_pipeline(size: str, device: str = "cpu", dtype: Any = None, *, seed: int = 0,
                    turbo: bool = False) -> Any:
    """A pipeline of `size` with random weights, made on `device` (no copy through the CPU
    for the big ones)."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerAncestralDiscreteScheduler,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    spec = SIZES[size]
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as words:
        vocab = write_tokenizer(Path(words))
        tokenizer = CLIPTokenizer.from_pretrained(words)
    if spec["family"] == "flux":
        flux = _flux(spec, vocab, tokenizer, device)
        return flux.to(dtype=dtype) if dtype is not None else flux
    sched: dict[str, Any] = {"beta_start": 0.00085, "beta_end": 0.012,
                             "beta_schedule": "scaled_linear", "timestep_spacing": "trailing",
                             "steps_offset": 1}
    scheduler = (EulerAncestralDiscreteScheduler(**sched) if turbo
                 else EulerDiscreteScheduler(**sched))
    blocks = spec["vae"]
    with torch.device(device):
        unet = UNet2DConditionModel(**spec["unet"])
        vae = AutoencoderKL(block_out_channels=blocks, latent_channels=4,
                            down_block_types=["DownEncoderBlock2D"] * len(blocks),
                            up_block_types=["UpDecoderBlock2D"] * len(blocks),
                            norm_num_groups=min(32, blocks[0] // 2), sample_size=512)
        text = CLIPTextModel(_text_config(vocab, *spec["text"]))
        text_2 = (CLIPTextModelWithProjection(_text_config(vocab, *spec.get("text_2",
                                                                            spec["text"])))
                  if spec["family"] == "sdxl" else None)
    if spec["family"] == "sd":
        pipe: Any = StableDiffusionPipeline(
            vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
            safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    else:
        pipe = StableDiffusionXLPipeline(
            vae=vae, text_encoder=text, text_encoder_2=text_2, tokenizer=tokenizer,
            tokenizer_2=tokenizer, unet=unet, scheduler=scheduler)
    return pipe.to(dtype=dtype) if dtype is not None else pipe


def build(size: str, folder: Path, *, seed: int = 0, turbo: bool = False) -> Path:
    """Save a random-weight pipeline of `size` into `folder` (model_index.json and all)."""
    random_pipeline(size, seed=seed, turbo=turbo).save_pretrained(folder)
    return folder


def build_tiny_autoencoder(folder: Path, *, seed: int = 0) -> Path:
    """A random-weight TAESD-shaped tiny autoencoder, for live previews."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    tiny: Any = AutoencoderTiny(encoder_block_out_channels=(8, 8),
                                decoder_block_out_channels=(8, 8),
                                num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1))
    tiny.save_pretrained(folder)
    return folder

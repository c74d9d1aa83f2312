"""The recipe inside image files: written, read back, and removed without a trace."""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np
import pytest
from PIL import Image

from salon.generation import provenance

RECIPE: dict[str, Any] = {
    "prompt": 'A lighthouse at dusk, "oil" <paint> & café ☕',
    "negative_prompt": "blurry",
    "engine": "sketch",
    "model": "salon-sketch-1",
    "seed": 123,
    "steps": 20,
    "guidance": 7.0,
    "width": 64,
    "height": 48,
    "style": "",
}
FORMATS = ["image/png", "image/jpeg", "image/webp"]


@pytest.fixture
def image() -> Image.Image:
    pixels = np.random.default_rng(7).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def png_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kinds.append(data[pos + 4:pos + 8])
        pos += 12 + length
    return kinds


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def test_png_round_trip(image: Image.Image) -> None:
    data = provenance.encode_png(image, RECIPE)
    assert provenance.content_type_of(data) == "image/png"
    assert provenance.read_recipe(data) == RECIPE
    parameters = Image.open(io.BytesIO(data)).info["parameters"]
    assert parameters.splitlines()[0] == RECIPE["prompt"]
    assert parameters.splitlines()[1] == "Negative prompt: blurry"
    assert parameters.splitlines()[2] == (
        "Steps: 20, CFG scale: 7, Seed: 123, Size: 64x48, Model: salon-sketch-1, Engine: sketch"
    )
    assert b"iTXt" in png_chunks(data)
    assert np.array_equal(pixels(data), np.asarray(image))


def test_parameters_line_has_only_fields_present() -> None:
    assert provenance.parameters_line({"prompt": "a cat"}) == "a cat"
    assert provenance.parameters_line({"prompt": "a cat", "seed": 5, "guidance": 4.5}) == (
        "a cat\nCFG scale: 4.5, Seed: 5"
    )


def test_png_without_recipe_has_no_text_or_metadata(image: Image.Image) -> None:
    data = provenance.encode_png(image, None)
    kinds = png_chunks(data)
    assert not {b"tEXt", b"iTXt", b"zTXt", b"eXIf"} & set(kinds)
    assert provenance.read_recipe(data) is None
    assert b"salon" not in data


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/webp"])
def test_xmp_round_trip(image: Image.Image, content_type: str) -> None:
    data = provenance.encode(image, RECIPE, content_type)
    assert provenance.content_type_of(data) == content_type
    assert provenance.read_recipe(data) == RECIPE
    xmp = Image.open(io.BytesIO(data)).info["xmp"]
    assert b'xmlns:salon="https://salon.social/ns/1.0/"' in xmp
    assert b"<dc:description>" in xmp


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/webp"])
def test_xmp_without_recipe(image: Image.Image, content_type: str) -> None:
    data = provenance.encode(image, None, content_type)
    info = Image.open(io.BytesIO(data)).info
    assert "xmp" not in info and "exif" not in info
    assert provenance.read_recipe(data) is None


def test_recipe_stored_as_xmp_attribute_is_read() -> None:
    """Other XMP writers may turn the element into an attribute; the recipe still reads."""
    packet = provenance.xmp_packet({"prompt": "x"}).decode()
    start = packet.index("   <salon:recipe>")
    end = packet.index("</salon:recipe>\n") + len("</salon:recipe>\n")
    packet = packet[:start] + packet[end:]
    packet = packet.replace('rdf:about=""', "rdf:about=\"\" salon:recipe='{\"prompt\":\"y\"}'")
    assert provenance._recipe_from_xmp(packet.encode()) == {"prompt": "y"}


def test_control_characters_in_prompt_keep_xmp_valid(image: Image.Image) -> None:
    recipe = {"prompt": "bell\x07 and tab\t"}
    data = provenance.encode(image, recipe, "image/jpeg")
    assert provenance.read_recipe(data) == recipe


@pytest.mark.parametrize("content_type", FORMATS)
def test_strip_leaves_no_recipe(image: Image.Image, content_type: str) -> None:
    data = provenance.encode(image, RECIPE, content_type)
    stripped = provenance.strip_recipe(data)
    assert provenance.read_recipe(stripped) is None
    assert b"salon:recipe" not in stripped and b"salon" not in stripped
    assert b"lighthouse" not in stripped and b"blurry" not in stripped
    assert provenance.content_type_of(stripped) == content_type
    # The picture itself is untouched: no second lossy encoding.
    assert np.array_equal(pixels(stripped), pixels(data))
    assert provenance.strip_recipe(stripped) == stripped


def test_strip_png_is_same_as_encoding_without_recipe(image: Image.Image) -> None:
    with_recipe = provenance.encode_png(image, RECIPE)
    assert provenance.strip_recipe(with_recipe) == provenance.encode_png(image, None)


def test_webp_strip_clears_xmp_flag(image: Image.Image) -> None:
    rgba = image.convert("RGBA")  # transparency makes libwebp write the extended layout
    rgba.putalpha(128)
    data = provenance.encode(rgba, RECIPE, "image/webp")
    assert b"VP8X" in data
    stripped = provenance.strip_recipe(data)
    vp8x = stripped.index(b"VP8X")
    assert stripped[vp8x + 8] & 0x0C == 0
    assert struct.unpack("<I", stripped[4:8])[0] == len(stripped) - 8
    with Image.open(io.BytesIO(stripped)) as im:
        im.load()
        assert im.mode == "RGBA"


def test_not_an_image() -> None:
    assert provenance.content_type_of(b"hello") is None
    assert provenance.read_recipe(b"hello") is None
    with pytest.raises(ValueError):
        provenance.strip_recipe(b"hello")
    with pytest.raises(ValueError):
        provenance.encode(Image.new("RGB", (2, 2)), None, "image/gif")


def test_broken_recipe_is_ignored(image: Image.Image) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt(provenance.RECIPE_KEY, "{not json")
    buf = io.BytesIO()
    image.save(buf, "PNG", pnginfo=info)
    assert provenance.read_recipe(buf.getvalue()) is None

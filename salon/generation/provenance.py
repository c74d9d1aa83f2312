"""The recipe inside image files: how a generated picture was made, written where image tools
look for it, read back, and removed when its author hides it.

PNG carries the recipe as text chunks: "salon:recipe" (compact JSON, for machines) and
"parameters" (the one-line summary AUTOMATIC1111 and most image viewers show). JPEG and WebP
carry it in an XMP packet. Content credentials (see credentials.py) are added after this, since
signing must be the last thing done to the bytes.
"""

from __future__ import annotations

import io
import json
import re
import struct
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image, PngImagePlugin

RECIPE_KEY = "salon:recipe"
PARAMETERS_KEY = "parameters"
SALON_NS = "https://salon.social/ns/1.0/"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XMP_PNG_KEY = "XML:com.adobe.xmp"

CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Characters XML 1.0 forbids; a prompt may hold them, an XMP packet must not.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def content_type_of(data: bytes) -> str | None:
    """The image type by its first bytes (never by a file name, which may lie)."""
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# --- writing ---------------------------------------------------------------------------------

def recipe_json(recipe: dict[str, Any]) -> str:
    # ASCII escapes keep the JSON valid in any container, even for odd Unicode in prompts.
    return json.dumps(recipe, separators=(",", ":"), ensure_ascii=True)


def _clean_text(text: str) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be stored
    return _XML_INVALID.sub("", text)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parameters_line(recipe: dict[str, Any]) -> str:
    """The AUTOMATIC1111-style summary: prompt, negative prompt, then "Key: value" pairs."""
    lines = [str(recipe.get("prompt") or "")]
    if recipe.get("negative_prompt"):
        lines.append(f"Negative prompt: {recipe['negative_prompt']}")
    fields: list[str] = []
    if recipe.get("steps") is not None:
        fields.append(f"Steps: {_number(recipe['steps'])}")
    if recipe.get("guidance") is not None:
        fields.append(f"CFG scale: {_number(recipe['guidance'])}")
    if recipe.get("seed") is not None:
        fields.append(f"Seed: {recipe['seed']}")
    if recipe.get("width") and recipe.get("height"):
        fields.append(f"Size: {recipe['width']}x{recipe['height']}")
    for key, label in (("model", "Model"), ("engine", "Engine"), ("style", "Style")):
        if recipe.get(key):
            fields.append(f"{label}: {recipe[key]}")
    if fields:
        lines.append(", ".join(fields))
    return _clean_text("\n".join(lines))


def xmp_packet(recipe: dict[str, Any]) -> bytes:
    """An XMP packet with the recipe as salon:recipe and the summary as dc:description."""
    description = escape(parameters_line(recipe))
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{_RDF_NS}">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        f'    xmlns:salon="{SALON_NS}">\n'
        "   <dc:description><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{description}</rdf:li>'
        "</rdf:Alt></dc:description>\n"
        f"   <salon:recipe>{escape(recipe_json(recipe))}</salon:recipe>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def encode_png(image: Image.Image, recipe: dict[str, Any] | None) -> bytes:
    """PNG with the recipe as text chunks; with recipe None, no text or other metadata."""
    buf = io.BytesIO()
    extra: dict[str, Any] = {}
    if recipe is not None:
        info = PngImagePlugin.PngInfo()
        info.add_itxt(RECIPE_KEY, recipe_json(recipe))
        info.add_text(PARAMETERS_KEY, parameters_line(recipe))  # tEXt, or iTXt if not Latin-1
        extra["pnginfo"] = info
    # Level 3: a 1024x1024 painting in ~170 ms, within a few percent of level 6's size
    # (which takes ~700 ms: zlib's lazy matching barely pays on noisy pictures).
    image.save(buf, "PNG", optimize=False, compress_level=3, **extra)
    return buf.getvalue()


def encode(image: Image.Image, recipe: dict[str, Any] | None, content_type: str) -> bytes:
    """The picture as `content_type` (PNG, JPEG or WebP), with the recipe unless None."""
    if content_type == "image/png":
        return encode_png(image, recipe)
    extra: dict[str, Any] = {}
    if recipe is not None:
        extra["xmp"] = xmp_packet(recipe)
    buf = io.BytesIO()
    if content_type == "image/jpeg":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(buf, "JPEG", quality=90, **extra)
    elif content_type == "image/webp":
        image.save(buf, "WEBP", quality=90, method=4, **extra)
    else:
        raise ValueError(f"cannot encode {content_type!r}; use one of {', '.join(CONTENT_TYPES)}")
    return buf.getvalue()


# --- reading ---------------------------------------------------------------------------------

def _parse_recipe(text: str | bytes | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _recipe_from_xmp(xmp: bytes | str | None) -> dict[str, Any] | None:
    if not xmp:
        return None
    try:
        root = ET.fromstring(xmp)
    except ET.ParseError:
        return None
    name = f"{{{SALON_NS}}}recipe"
    # XMP writers may store a simple property as an element or as an attribute.
    for description in root.iter(f"{{{_RDF_NS}}}Description"):
        if description.get(name):
            return _parse_recipe(description.get(name))
        element = description.find(name)
        if element is not None:
            return _parse_recipe(element.text)
    return None


def read_recipe(data: bytes) -> dict[str, Any] | None:
    """The recipe in a PNG's text chunks or a JPEG/WebP's XMP; None when there is none."""
    if content_type_of(data) is None:
        return None
    try:
        # Opening reads the headers and metadata only; the pixels are never decoded.
        with Image.open(io.BytesIO(data)) as image:
            info = dict(image.info)
    except (OSError, ValueError, SyntaxError):
        return None
    recipe = _parse_recipe(info.get(RECIPE_KEY))
    if recipe is None:
        recipe = _recipe_from_xmp(info.get("xmp") or info.get(_XMP_PNG_KEY))
    return recipe


# --- removing --------------------------------------------------------------------------------
# The recipe is removed from the file's structure rather than by decoding and encoding again,
# so the picture stays identical (no second JPEG or WebP generation loss) and it is fast.
# Content credentials go as well: they cover the exact bytes, and would only read as tampered.

_PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"caBX"}
# APP1 Exif/XMP, APP11 JUMBF (C2PA), APP13 Photoshop/IPTC, COM comments.
_JPEG_DROP = {0xE1, 0xEB, 0xED, 0xFE}
_WEBP_DROP = {b"EXIF", b"XMP ", b"C2PA"}


def _strip_png(data: bytes) -> bytes:
    out = [_PNG_MAGIC]
    pos = len(_PNG_MAGIC)
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("truncated PNG chunk")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("truncated PNG chunk")
        if kind not in _PNG_DROP:
            out.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            break
    return b"".join(out)


def _strip_jpeg(data: bytes) -> bytes:
    out = [data[:2]]  # SOI
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = data[pos + 1] if pos + 1 < len(data) else -1
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            out.append(data[pos:pos + 2])
            pos += 2
            continue
        if pos + 4 > len(data):
            raise ValueError("truncated JPEG segment")
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        end = pos + 2 + length
        if marker == 0xDA:  # start of scan: the compressed picture follows, kept as it is
            out.append(data[pos:])
            break
        if marker not in _JPEG_DROP:
            out.append(data[pos:end])
        pos = end
    return b"".join(out)


def _strip_webp(data: bytes) -> bytes:
    chunks = []
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        end = pos + 8 + size + (size & 1)  # chunks are padded to an even length
        chunk = data[pos:min(end, len(data))]
        if kind == b"VP8X" and size >= 10:
            flags = chunk[8] & ~0x0C  # no EXIF (0x08), no XMP (0x04) any more
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if kind not in _WEBP_DROP:
            chunks.append(chunk)
        pos = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def strip_recipe(data: bytes) -> bytes:
    """The same picture with no recipe and no other metadata that could carry one."""
    kind = content_type_of(data)
    if kind == "image/png":
        return _strip_png(data)
    if kind == "image/jpeg":
        return _strip_jpeg(data)
    if kind == "image/webp":
        return _strip_webp(data)
    raise ValueError("not a PNG, JPEG or WebP image")

"""Image validation and re-encoding with Pillow. Pure and synchronous: the service runs these
in a thread so the event loop never decodes pixels.

Every image is decoded fully and encoded again. That refuses broken files early, applies the
EXIF orientation, and drops every piece of metadata (EXIF with GPS, XMP, comments, text
chunks): nothing from the uploaded file reaches the output but pixels and its colour profile.
"""

from __future__ import annotations

import io
import math
import re
import struct
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps

from salon.media import blurhash

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
DEFAULT_MAX_PIXELS = 40_000_000
THUMBNAIL_SIDE = 640
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_SIDE = 65_500  # JPEG cannot store a side longer than 65,535 pixels

NOT_AN_IMAGE = "This file is not an image we can read; upload a JPEG, PNG, WebP or GIF."
BROKEN_IMAGE = "This image is damaged or incomplete; export it again and upload the new file."

# A half-received file must be refused, never quietly padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageError(ValueError):
    """Raised by this module; the service turns it into a salon error with the same text."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: EncodedImage
    blurhash: str


def _megabytes_up(size: int) -> str:
    # Round up: 10 MB and one byte must not read as "10.0 MB" next to a 10 MB limit.
    return f"{math.ceil(size / MB * 10) / 10:.1f}"


def _too_many_pixels(pixels: int, max_pixels: int) -> ImageError:
    return ImageError(
        f"Images may have at most {max_pixels / 1e6:g} megapixels; this one has {pixels / 1e6:.1f}."
    )


def open_image(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Image.Image:
    """Check size, format and dimensions from the header, then decode the first frame fully.
    The returned image is upright (EXIF orientation applied) and carries no metadata."""
    if len(data) > max_bytes:
        raise ImageError(
            f"Files must be at most {max_bytes / MB:g} MB; "
            f"this one is {_megabytes_up(len(data))} MB.",
            too_large=True,
        )
    try:
        # Only the four formats we accept: the other decoders are attack surface we don't need.
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as exc:
        # Pillow's own limit tripped while reading the header; report the size it saw.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_many_pixels(int(found.group(1)) if found else 0, max_pixels) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(NOT_AN_IMAGE) from exc
    if image.format not in ACCEPTED_FORMATS:
        raise ImageError(NOT_AN_IMAGE)

    # Width and height come from the header: refuse a decompression bomb before decoding it.
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError(BROKEN_IMAGE)
    if width * height > max_pixels:
        raise _too_many_pixels(width * height, max_pixels)
    if max(width, height) > MAX_SIDE:
        raise ImageError(f"Images may be at most {MAX_SIDE} pixels on a side; crop this one.")

    try:
        image.load()  # the full decode: truncated or corrupt data fails here
        # In place: a second full-size copy of a 40-megapixel image is 160 MB we don't need.
        ImageOps.exif_transpose(image, in_place=True)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(width * height, max_pixels) from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        raise ImageError(BROKEN_IMAGE) from exc
    icc = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
    return _clean(image, icc)


def _has_alpha(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        return True
    return image.mode == "P" and "transparency" in image.info


def _clean(image: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB or RGBA pixels and no metadata, except the colour profile where it still applies."""
    mode = "RGBA" if _has_alpha(image) else "RGB"
    out = image.convert(mode) if image.mode != mode else image
    out.info = {"icc_profile": icc} if icc else {}
    return out


def _opaque(image: Image.Image) -> bool:
    if image.mode != "RGBA":
        return True
    low, _high = image.getchannel("A").getextrema()
    return bool(low == 255)


def encode(image: Image.Image) -> EncodedImage:
    """JPEG for opaque pictures (small, universal); PNG when transparency must survive."""
    buf = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if _opaque(image):
        image.convert("RGB").save(buf, "JPEG", quality=90, optimize=True, **extra)
        return EncodedImage(buf.getvalue(), "image/jpeg", "jpg", image.width, image.height)
    image.save(buf, "PNG", optimize=False, **extra)
    return EncodedImage(buf.getvalue(), "image/png", "png", image.width, image.height)


def _within(image: Image.Image, side: int) -> Image.Image:
    """A resized copy no longer than `side` on either side; never enlarged. Resizing straight
    from the original avoids copying a 40-megapixel image first."""
    scale = side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    small.info = dict(image.info)
    return small


def small(image: Image.Image, side: int) -> EncodedImage:
    """A WebP no longer than `side` on either side (previews in progress, thumbnails)."""
    return encode_thumbnail(_within(image, side))


def encode_thumbnail(image: Image.Image) -> EncodedImage:
    """WebP: small, keeps transparency, and every browser we serve reads it."""
    buf = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    image.save(buf, "WEBP", quality=80, method=4, **extra)
    return EncodedImage(buf.getvalue(), "image/webp", "webp", image.width, image.height)


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent areas over white, as most pages will show them."""
    if image.mode != "RGBA":
        return image
    base = Image.new("RGB", image.size, (255, 255, 255))
    base.paste(image, mask=image.getchannel("A"))
    return base


def preview(image: Image.Image) -> tuple[EncodedImage, str]:
    """The thumbnail and blurhash every stored picture gets."""
    small = _within(image, THUMBNAIL_SIDE)
    return encode_thumbnail(small), blurhash.encode_image(_flatten(_within(small, 32)))


def inspect_and_normalize(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                          max_pixels: int = DEFAULT_MAX_PIXELS) -> ProcessedImage:
    """Validate an upload and return it re-encoded, with a thumbnail and a blurhash."""
    image = open_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    original = encode(image)
    thumbnail, hash_ = preview(image)
    return ProcessedImage(
        data=original.data,
        content_type=original.content_type,
        extension=original.extension,
        width=original.width,
        height=original.height,
        thumbnail=thumbnail,
        blurhash=hash_,
    )


def _fit(data: bytes, size: tuple[int, int], max_bytes: int, max_pixels: int) -> EncodedImage:
    image = open_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    fitted = ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    fitted.info = dict(image.info)  # keep only what _clean left: the colour profile
    return encode(fitted)


def square_avatar(
    data: bytes,
    size: int = 400,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> EncodedImage:
    """A `size` x `size` avatar cropped from the centre."""
    return _fit(data, (size, size), max_bytes, max_pixels)


def header_image(
    data: bytes,
    width: int = 1500,
    height: int = 500,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> EncodedImage:
    """A `width` x `height` profile header cropped from the centre."""
    return _fit(data, (width, height), max_bytes, max_pixels)

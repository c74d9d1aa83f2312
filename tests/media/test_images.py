"""Image validation, re-encoding, blurhash and the local store, without a database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile

from salon.media import blurhash, images
from salon.media.images import ImageError
from salon.media.store import LocalMediaStore


def make_image(fmt: str, size: tuple[int, int] = (800, 600), mode: str = "RGB",
               color: object = (200, 30, 40), **save: object) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, fmt, **save)  # type: ignore[arg-type]
    return buf.getvalue()


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    return make_image("JPEG", exif=exif.tobytes())


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepts_the_four_formats(fmt: str) -> None:
    result = images.inspect_and_normalize(make_image(fmt))
    assert (result.width, result.height) == (800, 600)
    assert result.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(result.data)).format == "JPEG"
    assert (result.thumbnail.width, result.thumbnail.height) == (640, 480)
    assert Image.open(io.BytesIO(result.thumbnail.data)).format == "WEBP"
    assert len(result.blurhash) == blurhash.hash_length(4, 3) == 28


def test_transparency_is_kept_as_png() -> None:
    result = images.inspect_and_normalize(make_image("PNG", mode="RGBA", color=(0, 0, 255, 100)))
    assert result.content_type == "image/png"
    out = Image.open(io.BytesIO(result.data))
    assert out.mode == "RGBA" and out.getpixel((0, 0))[3] == 100  # type: ignore[index]


def test_exif_gps_is_stripped() -> None:
    data = gps_jpeg()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    result = images.inspect_and_normalize(data)
    for out in (result.data, result.thumbnail.data):
        assert len(Image.open(io.BytesIO(out)).getexif()) == 0
        assert b"Exif" not in out and b"PhoneCo" not in out


def test_exif_orientation_is_applied() -> None:
    # Stored sideways: left half red, right half blue, "rotate 90 degrees clockwise to view".
    img = Image.new("RGB", (200, 100), (255, 0, 0))
    img.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    result = images.inspect_and_normalize(buf.getvalue())
    assert (result.width, result.height) == (100, 200)
    out = Image.open(io.BytesIO(result.data)).convert("RGB")
    top, bottom = out.getpixel((50, 20)), out.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60  # type: ignore[index]
    assert bottom[2] > 200 and bottom[0] < 60  # type: ignore[index]
    assert Image.open(io.BytesIO(result.data)).getexif().get(ExifTags.Base.Orientation) is None


def test_text_file_is_not_an_image() -> None:
    with pytest.raises(ImageError, match="not an image we can read"):
        images.inspect_and_normalize(b"hello, this is plain text\n" * 10)


def test_other_formats_are_refused() -> None:
    with pytest.raises(ImageError, match="JPEG, PNG, WebP or GIF"):
        images.inspect_and_normalize(make_image("BMP"))


def test_truncated_jpeg_is_refused() -> None:
    data = make_image("JPEG", size=(400, 300), quality=95)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(ImageError, match="damaged or incomplete"):
        images.inspect_and_normalize(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_image("PNG", size=(8000, 6000), mode="1", color=0)
    assert len(data) < 100_000

    def no_decoding(self: object) -> None:
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageError) as caught:
        images.inspect_and_normalize(data, max_pixels=40_000_000)
    assert caught.value.message == "Images may have at most 40 megapixels; this one has 48.0."
    assert not caught.value.too_large


def test_pillows_own_bomb_limit_is_reported_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow raises above 2x this
    with pytest.raises(ImageError, match="at most 40 megapixels; this one has 0.0"):
        images.inspect_and_normalize(make_image("PNG", size=(100, 100)))


def test_too_many_bytes() -> None:
    with pytest.raises(ImageError) as caught:
        images.inspect_and_normalize(b"\0" * (10 * 1024 * 1024 + 1))
    assert caught.value.too_large
    assert caught.value.message == "Files must be at most 10 MB; this one is 10.1 MB."


def test_square_avatar_and_header_are_cropped() -> None:
    avatar = images.square_avatar(gps_jpeg())
    assert (avatar.width, avatar.height) == (400, 400)
    assert b"PhoneCo" not in avatar.data
    header = images.header_image(make_image("PNG", size=(3000, 3000)))
    assert Image.open(io.BytesIO(header.data)).size == (1500, 500)
    with pytest.raises(ImageError):
        images.square_avatar(b"GIF89a nope")


def test_blurhash_of_a_solid_colour() -> None:
    rgb = (200, 30, 40)
    result = blurhash.encode_image(Image.new("RGB", (32, 32), rgb))
    assert len(result) == 28
    assert result[0] == blurhash.BASE83[3 + 2 * 9]  # size flag for 4x3 components
    dc = blurhash.encode83((rgb[0] << 16) + (rgb[1] << 8) + rgb[2], 4)
    assert result[2:6] == dc  # the average colour round-trips exactly


def test_blurhash_lengths_and_black() -> None:
    black = [(0, 0, 0)] * 16
    for cx, cy in [(1, 1), (4, 3), (9, 9)]:
        assert len(blurhash.encode_pixels(black, 4, 4, cx, cy)) == 6 + 2 * (cx * cy - 1)
    # All components are zero: quantised maximum 0, DC 0, each AC at the midpoint (9, 9, 9).
    assert blurhash.encode_pixels(black, 4, 4, 4, 3) == "L00000" + "fQ" * 11
    assert blurhash.encode_pixels(black, 4, 4, 1, 1) == "000000"


def test_blurhash_sees_structure() -> None:
    img = Image.new("RGB", (32, 32), (255, 255, 255))
    img.paste((0, 0, 0), (0, 0, 16, 32))
    flipped = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    assert blurhash.encode_image(img) != blurhash.encode_image(flipped)


async def test_local_store_round_trip(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path / "media")
    await store.put("1/2/original.jpg", b"abc", "image/jpeg")
    assert await store.get("1/2/original.jpg") == b"abc"
    assert store.url("1/2/original.jpg") == "/media/1/2/original.jpg"
    await store.put("1/2/original.jpg", b"new", "image/jpeg")
    assert await store.get("1/2/original.jpg") == b"new"
    assert [p.name for p in (tmp_path / "media" / "1" / "2").iterdir()] == ["original.jpg"]
    await store.delete("1/2/original.jpg")
    await store.delete("1/2/original.jpg")  # already gone: fine
    with pytest.raises(FileNotFoundError):
        await store.get("1/2/original.jpg")


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "a//b", "", "a\\b", "a/./b"])
async def test_local_store_refuses_escaping_keys(tmp_path: Path, key: str) -> None:
    store = LocalMediaStore(tmp_path)
    with pytest.raises(ValueError):
        await store.put(key, b"x", "text/plain")
    with pytest.raises(ValueError):
        store.url(key)

"""Content credentials: the development CA, signing, verifying, and `salon verify`."""

from __future__ import annotations

import io
import stat
import struct
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from cryptography import x509
from PIL import Image

from salon.cli import main
from salon.generation import credentials, provenance
from salon.settings import Settings

AGENT = "Salon diffusers engine (sd-turbo)"
RECIPE: dict[str, Any] = {"prompt": "a quiet harbour at dawn", "seed": 42, "steps": 20,
                          "engine": "diffusers", "model": "sd-turbo"}


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    # Explicit Nones: a developer's SALON_C2PA_* variables must not leak into the tests.
    values: dict[str, Any] = {"c2pa_cert_chain": None, "c2pa_private_key": None,
                              "c2pa_trust_anchors": None, **overrides}
    return Settings(env="test", data_dir=data_dir, **values)


@pytest.fixture
def cfg(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def image() -> Image.Image:
    pixels = np.random.default_rng(3).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def signed_png(image: Image.Image, cfg: Settings, recipe: dict[str, Any] | None = RECIPE,
               trained: bool = True) -> bytes:
    data = provenance.encode_png(image, recipe)
    return credentials.sign(data, "image/png", software_agent=AGENT, trained=trained,
                            settings=cfg)


def idat_offset(data: bytes | bytearray) -> int:
    return data.index(b"IDAT") + 4


# --- the development CA ----------------------------------------------------------------------

def test_dev_ca_created_once_and_reused(tmp_path: Path) -> None:
    first = credentials.ensure_dev_ca(tmp_path)
    contents = [first.ca.read_bytes(), first.chain.read_bytes(), first.key.read_bytes()]
    assert first.ca.parent == tmp_path / "c2pa"
    assert stat.S_IMODE(first.key.stat().st_mode) == 0o600
    second = credentials.ensure_dev_ca(tmp_path)
    assert second == first
    assert [second.ca.read_bytes(), second.chain.read_bytes(), second.key.read_bytes()] == contents
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".c2pa-")]  # no leftovers


def test_dev_certificates_have_what_c2pa_requires(tmp_path: Path) -> None:
    creds = credentials.ensure_dev_ca(tmp_path)
    ca = x509.load_pem_x509_certificate(creds.ca.read_bytes())
    chain = x509.load_pem_x509_certificates(creds.chain.read_bytes())
    assert len(chain) == 1  # the signing certificate; the root stays out of the chain
    signer = chain[0]
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert signer.issuer == ca.subject != signer.subject
    signer.verify_directly_issued_by(ca)
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION in (
        signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert "O=Salon development" in signer.subject.rfc4514_string()
    assert "CN=Salon dev signer" in signer.subject.rfc4514_string()
    years = (signer.not_valid_after_utc - signer.not_valid_before_utc).days / 365
    assert years >= 2


def test_racing_creators_agree(tmp_path: Path) -> None:
    results: list[credentials.DevCredentials] = []
    barrier = threading.Barrier(6)

    def create() -> None:
        barrier.wait()
        results.append(credentials.ensure_dev_ca(tmp_path))

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and len(set(results)) == 1
    creds = results[0]
    ca = x509.load_pem_x509_certificate(creds.ca.read_bytes())
    x509.load_pem_x509_certificate(creds.chain.read_bytes()).verify_directly_issued_by(ca)


def test_incomplete_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "c2pa").mkdir()
    (tmp_path / "c2pa" / "ca.pem").write_text("someone's CA")
    with pytest.raises(RuntimeError, match="lacks"):
        credentials.ensure_dev_ca(tmp_path)
    assert (tmp_path / "c2pa" / "ca.pem").read_text() == "someone's CA"


def test_paths_default_to_dev_and_follow_settings(tmp_path: Path, cfg: Settings) -> None:
    creds = credentials.ensure_dev_ca(tmp_path)
    assert credentials.signer_paths(cfg) == (creds.chain, creds.key)
    assert credentials.trust_anchor_path(cfg) == creds.ca
    configured = make_settings(tmp_path, c2pa_cert_chain=tmp_path / "c.pem",
                               c2pa_private_key=tmp_path / "k.pem",
                               c2pa_trust_anchors=tmp_path / "roots.pem")
    assert credentials.signer_paths(configured) == (tmp_path / "c.pem", tmp_path / "k.pem")
    assert credentials.trust_anchor_path(configured) == tmp_path / "roots.pem"
    with pytest.raises(RuntimeError):
        credentials.signer_paths(make_settings(tmp_path, c2pa_cert_chain=tmp_path / "c.pem"))


# --- signing and reading ---------------------------------------------------------------------

def test_signed_png_is_valid_with_created_action(image: Image.Image, cfg: Settings) -> None:
    data = signed_png(image, cfg)
    creds = credentials.read(data, "image/png", cfg)
    assert creds.present and creds.valid, creds.explanations
    assert creds.state == "Trusted" and creds.errors == []
    assert creds.signer == "Salon dev signer" and creds.issuer == "Salon development"
    assert [a["action"] for a in creds.actions] == ["c2pa.created"]
    assert creds.digital_source_type == credentials.TRAINED_ALGORITHMIC_MEDIA
    assert creds.software_agent == AGENT
    assert creds.manifest["claim_generator_info"][0]["name"] == "Salon"
    # No thumbnail: neither in the manifest nor anywhere in the file.
    assert "thumbnail" not in creds.manifest
    assert not [a for a in creds.manifest["assertions"] if "thumbnail" in a["label"]]
    assert b"c2pa.thumbnail" not in data
    # The recipe and the picture survive signing.
    assert provenance.read_recipe(data) == RECIPE
    with Image.open(io.BytesIO(data)) as im:
        assert np.array_equal(np.asarray(im), np.asarray(image))


def test_a_program_that_was_not_trained_signs_algorithmic_media(image: Image.Image,
                                                                cfg: Settings) -> None:
    creds = credentials.read(signed_png(image, cfg, trained=False), "image/png", cfg)
    assert creds.valid, creds.explanations
    assert creds.digital_source_type == credentials.ALGORITHMIC_MEDIA
    assert creds.digital_source_type.endswith("/algorithmicMedia")


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/webp"])
def test_signed_jpeg_and_webp_are_valid(image: Image.Image, cfg: Settings,
                                        content_type: str) -> None:
    data = provenance.encode(image, RECIPE, content_type)
    signed = credentials.sign(data, content_type, software_agent=AGENT, trained=True,
                              settings=cfg)
    creds = credentials.read(signed, content_type, cfg)
    assert creds.valid, creds.explanations
    assert creds.software_agent == AGENT
    assert provenance.read_recipe(signed) == RECIPE


def test_sign_without_recipe_keeps_none(image: Image.Image, cfg: Settings) -> None:
    data = signed_png(image, cfg, recipe=None)
    assert credentials.read(data, "image/png", cfg).valid
    assert provenance.read_recipe(data) is None
    assert b"salon:recipe" not in data and b"harbour" not in data


def test_unsigned_file_has_no_credentials(image: Image.Image, cfg: Settings) -> None:
    creds = credentials.read(provenance.encode_png(image, RECIPE), "image/png", cfg)
    assert not creds.present and not creds.valid


def test_changed_pixels_are_invalid(image: Image.Image, cfg: Settings) -> None:
    data = bytearray(signed_png(image, cfg))
    data[idat_offset(data) + 40] ^= 0x01  # one bit of the compressed picture (and its CRC)
    creds = credentials.read(bytes(data), "image/png", cfg)
    assert creds.present and not creds.valid
    assert "assertion.dataHash.mismatch" in creds.errors


def test_swapped_picture_under_same_manifest_is_invalid(image: Image.Image,
                                                        cfg: Settings) -> None:
    """Keep the manifest, replace the picture: the hard binding no longer matches."""
    signed = signed_png(image, cfg, recipe=None)
    other = provenance.encode_png(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), None)
    start = signed.index(b"caBX") - 4
    (length,) = struct.unpack(">I", signed[start:start + 4])
    manifest_chunk = signed[start:start + 12 + length]
    forged = other[:33] + manifest_chunk + other[33:]  # after the signature and IHDR
    creds = credentials.read(forged, "image/png", cfg)
    assert creds.present and not creds.valid
    assert creds.errors


def test_damaged_manifest_is_invalid(image: Image.Image, cfg: Settings) -> None:
    data = bytearray(signed_png(image, cfg))
    data[data.index(b"caBX") + 600] ^= 0x01
    creds = credentials.read(bytes(data), "image/png", cfg)
    assert creds.present and not creds.valid and creds.errors


def test_other_trust_anchor_is_untrusted(tmp_path: Path, image: Image.Image,
                                         cfg: Settings) -> None:
    data = signed_png(image, cfg)
    other = credentials.ensure_dev_ca(tmp_path / "elsewhere")  # an unrelated root
    creds = credentials.read(data, "image/png",
                             make_settings(tmp_path, c2pa_trust_anchors=other.ca))
    assert creds.present and not creds.valid
    assert creds.state == "Valid"  # intact, but nobody we trust vouches for the signer
    assert "signingCredential.untrusted" in creds.errors


def test_configured_chain_and_key_are_used(tmp_path: Path, image: Image.Image) -> None:
    own = credentials.ensure_dev_ca(tmp_path / "own-ca")
    cfg = make_settings(tmp_path / "data", c2pa_cert_chain=own.chain, c2pa_private_key=own.key,
                        c2pa_trust_anchors=own.ca)
    creds = credentials.read(signed_png(image, cfg), "image/png", cfg)
    assert creds.valid
    assert not (tmp_path / "data" / "c2pa").exists()  # no development CA was needed
    # The development CA does not vouch for it.
    dev = make_settings(tmp_path / "data")
    assert not credentials.read(signed_png(image, cfg), "image/png", dev).valid


def test_strip_after_signing_removes_credentials_too(image: Image.Image, cfg: Settings) -> None:
    stripped = provenance.strip_recipe(signed_png(image, cfg))
    assert provenance.read_recipe(stripped) is None
    assert not credentials.read(stripped, "image/png", cfg).present


# --- salon verify ----------------------------------------------------------------------------

def run_verify(tmp_path: Path, data: bytes) -> Any:
    path = tmp_path / "picture.png"
    path.write_bytes(data)
    env = {"SALON_DATA_DIR": str(tmp_path), "SALON_ENV": "test", "SALON_C2PA_CERT_CHAIN": None,
           "SALON_C2PA_PRIVATE_KEY": None, "SALON_C2PA_TRUST_ANCHORS": None}
    return CliRunner().invoke(main, ["verify", str(path)], env=env)


def test_verify_command_on_signed_file(tmp_path: Path, image: Image.Image,
                                       cfg: Settings) -> None:
    result = run_verify(tmp_path, signed_png(image, cfg))
    assert result.exit_code == 0, result.output
    assert "Content credentials: valid" in result.output
    assert "Salon dev signer" in result.output
    assert "c2pa.created" in result.output
    assert "trainedAlgorithmicMedia" in result.output
    assert AGENT in result.output
    assert "a quiet harbour at dawn" in result.output


def test_verify_command_on_unsigned_file(tmp_path: Path, image: Image.Image) -> None:
    result = run_verify(tmp_path, provenance.encode_png(image, None))
    assert result.exit_code == 1
    assert "Content credentials: none" in result.output
    assert "no recipe (hidden or absent)" in result.output


def test_verify_command_on_tampered_file(tmp_path: Path, image: Image.Image,
                                         cfg: Settings) -> None:
    data = bytearray(signed_png(image, cfg))
    data[idat_offset(data) + 40] ^= 0x01
    result = run_verify(tmp_path, bytes(data))
    assert result.exit_code == 1
    assert "NOT valid" in result.output and "assertion.dataHash.mismatch" in result.output

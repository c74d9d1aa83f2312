"""VAPID keys (from settings, or made once in the data folder), the encryption against an
independent implementation, and the address check each delivery makes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from salon import outbound
from salon.push import ece, vapid
from salon.settings import Settings
from tests.conftest import Site


def _settings(data_dir: Path, **changes: str) -> Settings:
    values: dict[str, Any] = {"env": "test", "data_dir": data_dir, "secret_key": "test-secret",
                              **changes}
    return Settings(**values)


def test_keys_are_made_once_in_the_data_folder(tmp_path: Path) -> None:
    made = vapid.keys(_settings(tmp_path))
    stored = tmp_path / vapid.KEY_FILE
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    vapid._load.cache_clear()  # another process, or a restart, reads the same key
    assert vapid.keys(_settings(tmp_path)).public == made.public
    assert len(ece.b64decode(made.public)) == 65
    assert [p.name for p in tmp_path.iterdir()] == [vapid.KEY_FILE]  # no staging left


def test_keys_from_settings(tmp_path: Path) -> None:
    private = vapid.new_private_key()
    key = ec.derive_private_key(int.from_bytes(ece.b64decode(private), "big"), ec.SECP256R1())
    public = ece.b64encode(key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    given = vapid.keys(_settings(tmp_path, vapid_private_key=private, vapid_public_key=public))
    assert given.public == public
    assert not (tmp_path / vapid.KEY_FILE).exists()  # nothing made when configured
    with pytest.raises(ValueError, match="SALON_VAPID_PUBLIC_KEY"):
        vapid.keys(_settings(tmp_path, vapid_private_key=private,
                             vapid_public_key=vapid.keys(_settings(tmp_path)).public))
    with pytest.raises(ValueError, match="SALON_VAPID_PRIVATE_KEY"):
        vapid.keys(_settings(tmp_path, vapid_private_key="not-a-key"))


def test_apps_and_the_instance_name_the_key(site: Site) -> None:
    key = vapid.keys(site.settings).public
    assert site.anon.client.get("/api/v2/instance").json()["configuration"]["vapid"] == {
        "public_key": key}
    app = site.anon.client.post("/api/v1/apps", data={
        "client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}).json()
    assert app["vapid_key"] == key


@pytest.mark.parametrize("size", [0, 1, 100, ece.MAX_PLAINTEXT])
def test_both_codings_decrypt_with_http_ece(size: int) -> None:
    device = ec.generate_private_key(ec.SECP256R1())
    ua_public = ece.public_bytes(device.public_key())
    auth = os.urandom(16)
    message = os.urandom(size)
    standard = ece.encrypt(message, ua_public, auth)
    assert http_ece.decrypt(standard.body, private_key=device, auth_secret=auth,
                            version="aes128gcm") == message
    legacy = ece.encrypt_legacy(message, ua_public, auth)
    assert http_ece.decrypt(legacy.body, salt=legacy.salt, dh=legacy.server_public,
                            private_key=device, auth_secret=auth, version="aesgcm") == message
    with pytest.raises(ValueError):
        ece.encrypt(b"x" * (ece.MAX_PLAINTEXT + 1), ua_public, auth)


async def test_delivery_refuses_names_that_resolve_inside() -> None:
    """A name checked as public when subscribing may point inside later (DNS rebinding):
    each delivery resolves it again, and connects only to an address it checked."""
    with pytest.raises(outbound.Refused):
        await outbound.resolve("https://localhost:8443/push", allow_private=False)
    assert await outbound.resolve("http://127.0.0.1:9/push", allow_private=True) == "127.0.0.1"

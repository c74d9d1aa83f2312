"""VAPID (RFC 8292): the instance's P-256 key pair, which apps hand to their push service
when they subscribe (`server_key`), and the short-lived ES256 token each push carries.

SALON_VAPID_PRIVATE_KEY (and optionally SALON_VAPID_PUBLIC_KEY, checked against it) are the
URL-safe base64 raw keys Mastodon and the `web-push` tools print. Unset, a key is made on
first run and kept in data_dir/vapid_private_key (readable by its owner only), as the
development signing CA is kept in data_dir/c2pa. Processes that do not share a data folder
(scale-out on several hosts) must be given the same key in the setting: a push signed with
another key than the one a subscription was made with is refused by the push service.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from salon.push.ece import b64decode, b64encode, public_bytes
from salon.settings import Settings

KEY_FILE = "vapid_private_key"
TOKEN_SECONDS = 12 * 3600  # RFC 8292: no more than 24 hours


@dataclass(frozen=True)
class Vapid:
    private: ec.EllipticCurvePrivateKey
    public: str  # URL-safe base64 of the uncompressed point: the `server_key` apps get

    def token(self, endpoint: str, subject: str, now: float | None = None) -> str:
        """The JWT for one push: audience the push service's origin, signed ES256."""
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}",
                  "exp": int((now or time.time()) + TOKEN_SECONDS), "sub": subject}
        signing_input = (_segment({"typ": "JWT", "alg": "ES256"}) + "."
                         + _segment(claims)).encode()
        der = self.private.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)  # JWS wants r || s, 32 bytes each, not DER
        return signing_input.decode() + "." + b64encode(r.to_bytes(32, "big")
                                                         + s.to_bytes(32, "big"))

    def authorization(self, endpoint: str, subject: str) -> str:
        """RFC 8292's header: `vapid t=<JWT>, k=<public key>`."""
        return f"vapid t={self.token(endpoint, subject)}, k={self.public}"


def _segment(value: dict[str, object]) -> str:
    return b64encode(json.dumps(value, separators=(",", ":")).encode())


def _from_raw(raw_private: str) -> ec.EllipticCurvePrivateKey:
    try:
        scalar = b64decode(raw_private)
    except ValueError:
        scalar = b""
    if len(scalar) != 32:
        raise ValueError("SALON_VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes in "
                         "URL-safe base64 (as `salon` or the web-push tools make them)")
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())


def new_private_key() -> str:
    """A fresh private key in the setting's format."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64encode(key.private_numbers().private_value.to_bytes(32, "big"))


def _stored_key(data_dir: Path) -> str:
    """The key kept in data_dir, made there the first time. It is written whole to a private
    temporary file, then linked into place: a racing process finds no file or a whole one,
    and the first link wins."""
    path = data_dir / KEY_FILE
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".vapid-", dir=data_dir)  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(new_private_key() + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(staging, path)
        finally:
            os.unlink(staging)
    return path.read_text().strip()


@cache
def _load(data_dir: Path, private: str, public: str) -> Vapid:
    key = _from_raw(private or _stored_key(data_dir))
    derived = b64encode(public_bytes(key.public_key()))
    if public and b64encode(b64decode(public)) != derived:
        raise ValueError("SALON_VAPID_PUBLIC_KEY does not belong to SALON_VAPID_PRIVATE_KEY")
    return Vapid(key, derived)


def keys(settings: Settings) -> Vapid:
    """The instance's VAPID keys (made on first use when not configured)."""
    return _load(settings.data_dir.resolve(), settings.vapid_private_key,
                 settings.vapid_public_key)


def subject(settings: Settings) -> str:
    """Who runs this server, for the push service: a mailto: or https: address."""
    return settings.vapid_subject or settings.base_url.rstrip("/")

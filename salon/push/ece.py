"""Message encryption for Web Push: RFC 8291 (the `aes128gcm` content coding of RFC 8188),
and the draft it replaced (`aesgcm`), which apps that do not say `standard` still expect.

Both derive a content key from an ECDH agreement between a fresh key pair of ours and the
subscription's P-256 key (`p256dh`), mixed with its 16-byte `auth` secret, and encrypt the
message as one AES-128-GCM record. Only the `cryptography` package's primitives are used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECORD_SIZE = 4096  # one record: push services take 4096 bytes of body at most
MAX_PLAINTEXT = RECORD_SIZE - 86 - 16 - 1  # less the header, the GCM tag and the delimiter


def b64decode(text: str) -> bytes:
    """Base64 as apps send keys: URL-safe or standard, with or without padding."""
    text = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    """URL-safe base64 without padding (what Web Push headers and keys use)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) for one output block (length <= 32), as both codings use."""
    prk = _hmac(salt, ikm)  # extract
    return _hmac(prk, info + b"\x01")[:length]  # expand: T(1)


def public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (65 bytes, 0x04 || X || Y)."""
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def load_public(raw: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its uncompressed point; ValueError when it is not one."""
    if len(raw) != 65 or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


@dataclass(frozen=True)
class Encrypted:
    body: bytes
    salt: bytes
    server_public: bytes  # our one-time public key (the legacy coding sends it in a header)


def _agree(ua_public: bytes) -> tuple[bytes, bytes]:
    """A fresh key pair for this one message, and the ECDH secret it shares with the UA."""
    ours = ec.generate_private_key(ec.SECP256R1())
    secret = ours.exchange(ec.ECDH(), load_public(ua_public))
    return public_bytes(ours.public_key()), secret


def encrypt(plaintext: bytes, ua_public: bytes, auth: bytes, *, salt: bytes | None = None
            ) -> Encrypted:
    """RFC 8291 section 3.4 and RFC 8188: the body of an `aes128gcm` push message."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise ValueError(f"a push message holds at most {MAX_PLAINTEXT} bytes")
    salt = salt or os.urandom(16)
    as_public, ecdh_secret = _agree(ua_public)
    # IKM = HKDF(salt=auth, ECDH secret, "WebPush: info" || 0x00 || ua_public || as_public)
    ikm = _hkdf(auth, ecdh_secret, b"WebPush: info\x00" + ua_public + as_public, 32)
    # The content key and nonce of RFC 8188, from the message's random salt.
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    # One record, so it is the last: the plaintext, then the delimiter 0x02 (no padding).
    ciphertext = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    # Header: salt (16) || record size (uint32) || key id length (1) || key id (our key).
    header = salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public
    return Encrypted(header + ciphertext, salt, as_public)


def encrypt_legacy(plaintext: bytes, ua_public: bytes, auth: bytes, *,
                   salt: bytes | None = None) -> Encrypted:
    """draft-ietf-webpush-encryption-04 (`aesgcm`): salt and our key travel in the
    Encryption and Crypto-Key headers; the body is the single record alone."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise ValueError(f"a push message holds at most {MAX_PLAINTEXT} bytes")
    salt = salt or os.urandom(16)
    as_public, ecdh_secret = _agree(ua_public)
    ikm = _hkdf(auth, ecdh_secret, b"Content-Encoding: auth\x00", 32)
    # context = "P-256" || 0x00 || len(ua) || ua_public || len(as) || as_public
    context = (b"P-256\x00" + struct.pack("!H", len(ua_public)) + ua_public
               + struct.pack("!H", len(as_public)) + as_public)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aesgcm\x00" + context, 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00" + context, 12)
    # A two-byte padding length (no padding) comes before the plaintext.
    ciphertext = AESGCM(cek).encrypt(nonce, b"\x00\x00" + plaintext, None)
    return Encrypted(ciphertext, salt, as_public)

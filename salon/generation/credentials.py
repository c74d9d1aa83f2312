"""Content credentials (C2PA): a signed statement inside each generated picture that it was
made by an algorithm (a trained model, or a procedural program like sketch), by which Salon
engine, and signed by whom.

Production instances configure a certificate chain and key (SALON_C2PA_CERT_CHAIN,
SALON_C2PA_PRIVATE_KEY) from a CA that verifiers trust. Without them, a development CA and
signing certificate are created once in data_dir/c2pa, and `salon verify` trusts that CA.

Signing is offline (no timestamp authority) and embeds no thumbnail: the picture is its own
preview, and a thumbnail would double what a hidden recipe's image leaks.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from salon import __version__
from salon.settings import Settings

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
# Made by a program that was not trained on examples (the sketch engine paints by rules).
ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
CREATED = "c2pa.created"

CA_FILE = "ca.pem"
CHAIN_FILE = "signer.pem"
KEY_FILE = "signer.key"
_ORGANIZATION = "Salon development"


# --- the development CA ----------------------------------------------------------------------

@dataclass(frozen=True)
class DevCredentials:
    ca: Path  # the root a verifier trusts
    chain: Path  # the signing certificate (the root is left out, as C2PA asks)
    key: Path  # the signing certificate's private key, readable by its owner only


def _dev_files(directory: Path) -> DevCredentials:
    return DevCredentials(directory / CA_FILE, directory / CHAIN_FILE, directory / KEY_FILE)


def _complete(creds: DevCredentials) -> bool:
    return creds.ca.is_file() and creds.chain.is_file() and creds.key.is_file()


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANIZATION),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
        crl_sign=not sign, encipher_only=False, decipher_only=False,
    )


def _make_dev_ca() -> tuple[bytes, bytes, bytes]:
    """(root CA PEM, signing certificate PEM, signing key PEM), EC P-256 throughout."""
    now = datetime.datetime.now(datetime.UTC)
    start = now - datetime.timedelta(hours=1)  # tolerate clocks a little behind
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Salon dev root CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(now + datetime.timedelta(days=20 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(_name("Salon dev signer")).issuer_name(ca_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(now + datetime.timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        # c2pa-rs's default trust configuration accepts emailProtection but, in 0.91,
        # rejects id-kp-documentSigning ("certificate missing required EKU").
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ca.public_bytes(pem), signer.public_bytes(pem), key_pem


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def ensure_dev_ca(data_dir: Path) -> DevCredentials:
    """The development CA and signing certificate in data_dir/c2pa, created on first use."""
    target = data_dir / "c2pa"
    creds = _dev_files(target)
    if _complete(creds):
        return creds
    data_dir.mkdir(parents=True, exist_ok=True)
    # All three files are written in a private folder that is then renamed into place in one
    # step, so a racing process finds either nothing or a CA, certificate and key that match.
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-", dir=data_dir))
    try:
        ca_pem, chain_pem, key_pem = _make_dev_ca()
        _write(staging / CA_FILE, ca_pem, 0o644)
        _write(staging / CHAIN_FILE, chain_pem, 0o644)
        _write(staging / KEY_FILE, key_pem, 0o600)
        staging.chmod(0o755)
        # Replaces an empty folder; fails when another process won the race (or the folder
        # holds something else, which the check below reports).
        with contextlib.suppress(OSError):
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if not _complete(creds):
        raise RuntimeError(f"{target} exists but lacks {CA_FILE}, {CHAIN_FILE} or {KEY_FILE}; "
                           "move it away to create a new development CA")
    return creds


def signer_paths(settings: Settings) -> tuple[Path, Path]:
    """(certificate chain PEM, private key PEM): the configured ones, else the development ones."""
    if settings.c2pa_cert_chain and settings.c2pa_private_key:
        return settings.c2pa_cert_chain, settings.c2pa_private_key
    if settings.c2pa_cert_chain or settings.c2pa_private_key:
        raise RuntimeError("set both SALON_C2PA_CERT_CHAIN and SALON_C2PA_PRIVATE_KEY, or neither")
    creds = ensure_dev_ca(settings.data_dir)
    return creds.chain, creds.key


def trust_anchor_path(settings: Settings) -> Path:
    """The PEM roots credentials are checked against: the configured ones, else the dev CA."""
    if settings.c2pa_trust_anchors:
        return settings.c2pa_trust_anchors
    return ensure_dev_ca(settings.data_dir).ca


# --- signing ---------------------------------------------------------------------------------
# Loading a key and building a context take a few milliseconds; both are kept per process and
# loaded again only when their files change. A Signer may be shared by threads (c2pa-python
# guards it with shared borrows); a Builder is single-use.

_lock = threading.Lock()
_signers: dict[tuple[Any, ...], Any] = {}
_read_contexts: dict[tuple[Any, ...], Any] = {}
_sign_context: Any = None


def _forget_after_fork() -> None:
    # c2pa-python refuses native objects made by a parent process; a forked child makes its own.
    global _lock, _sign_context
    _lock = threading.Lock()
    _signers.clear()
    _read_contexts.clear()
    _sign_context = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _file_key(*paths: Path) -> tuple[Any, ...]:
    return tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)


def _alg(key_pem: bytes) -> Any:
    key = serialization.load_pem_private_key(key_pem, password=None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        by_curve = {256: c2pa.C2paSigningAlg.ES256, 384: c2pa.C2paSigningAlg.ES384,
                    521: c2pa.C2paSigningAlg.ES512}
        return by_curve[key.curve.key_size]
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if isinstance(key, ed25519.Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    if isinstance(key, rsa.RSAPrivateKey):
        return c2pa.C2paSigningAlg.PS256  # C2PA allows RSA only with PSS padding
    raise ValueError(f"unsupported C2PA signing key type: {type(key).__name__}")


def _signer(chain: Path, key: Path) -> Any:
    cache_key = _file_key(chain, key)
    with _lock:
        signer = _signers.get(cache_key)
        if signer is None:
            key_pem = key.read_bytes()
            info = c2pa.C2paSignerInfo(_alg(key_pem), chain.read_bytes(), key_pem, None)
            signer = c2pa.Signer.from_info(info)  # ta_url None: no timestamp authority
            _signers.clear()  # files changed: drop the old one (freed once no call holds it)
            _signers[cache_key] = signer
        return signer


def _builder_context() -> Any:
    global _sign_context
    with _lock:
        if _sign_context is None:
            _sign_context = c2pa.Context.from_dict({
                "builder": {"thumbnail": {"enabled": False}},
                # Checking the result right after signing costs about a millisecond and
                # catches a certificate that c2pa-rs would refuse when reading.
                "verify": {"verify_after_sign": True, "remote_manifest_fetch": False},
            })
        return _sign_context


def digital_source_type(trained: bool) -> str:
    return TRAINED_ALGORITHMIC_MEDIA if trained else ALGORITHMIC_MEDIA


TRAINING_MINING = "cawg.training-mining"
TRAINING_USES = ("cawg.ai_generative_training", "cawg.ai_inference", "cawg.ai_training",
                 "cawg.data_mining")


def manifest_definition(software_agent: str, title: str, trained: bool,
                        training: bool = False) -> dict[str, Any]:
    """`training`: whether the author allowed their generated pictures to be used for
    training and mining (the CAWG training-and-mining assertion says allowed or
    notAllowed; consent given later is not written into files already signed)."""
    use = "allowed" if training else "notAllowed"
    return {
        "claim_generator_info": [{"name": "Salon", "version": __version__}],
        "title": title,
        "assertions": [{
            "label": "c2pa.actions.v2",
            "data": {"actions": [{
                "action": CREATED,
                "digitalSourceType": digital_source_type(trained),
                "softwareAgent": {"name": software_agent},  # v2 actions name an agent object
            }]},
        }, {
            "label": TRAINING_MINING,
            "data": {"entries": {entry: {"use": use} for entry in TRAINING_USES}},
        }],
    }


def sign(data: bytes, content_type: str, *, software_agent: str, trained: bool,
         settings: Settings, title: str = "Generated image", training: bool = False) -> bytes:
    """`data` with a signed C2PA manifest embedded; nothing may change the bytes afterwards.
    `trained`: the engine's, which decides the digital source type."""
    chain, key = signer_paths(settings)
    signer = _signer(chain, key)
    builder = c2pa.Builder(manifest_definition(software_agent, title, trained, training),
                           context=_builder_context())
    out = io.BytesIO()
    with builder:
        builder.sign(signer, content_type, io.BytesIO(data), out)
    return out.getvalue()


# --- reading ---------------------------------------------------------------------------------

@dataclass
class Credentials:
    present: bool = False
    valid: bool = False  # signature, bound picture and certificate chain all check out
    state: str | None = None  # c2pa-rs's verdict: Invalid, Valid (untrusted) or Trusted
    signer: str | None = None  # the signing certificate's common name
    issuer: str | None = None  # its organization
    actions: list[dict[str, Any]] = field(default_factory=list)
    digital_source_type: str | None = None
    software_agent: str | None = None
    errors: list[str] = field(default_factory=list)  # failure codes: assertion.dataHash.mismatch
    explanations: list[str] = field(default_factory=list)  # the same, in words
    manifest: dict[str, Any] = field(default_factory=dict)  # the active manifest


def _reader_context(anchors: Path) -> Any:
    cache_key = _file_key(anchors)
    with _lock:
        context = _read_contexts.get(cache_key)
        if context is None:
            context = c2pa.Context.from_dict({
                # trust_anchors replaces c2pa-rs's built-in list: only these roots are trusted.
                "trust": {"trust_anchors": anchors.read_text()},
                # Offline: an uploaded file must not make the server fetch a remote manifest.
                "verify": {"verify_trust": True, "remote_manifest_fetch": False,
                           "ocsp_fetch": False},
            })
            _read_contexts.clear()  # files changed: drop the old one (freed once no call holds it)
            _read_contexts[cache_key] = context
        return context


def _agent_name(agent: Any) -> str | None:
    if isinstance(agent, dict):  # v2: {"name": ..., "version": ...}
        return str(agent["name"]) if agent.get("name") else None
    return str(agent) if agent else None


def _credentials(store: dict[str, Any]) -> Credentials:
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    statuses = store.get("validation_status") or []
    if not statuses:  # older layouts keep failures only under validation_results
        results = store.get("validation_results") or {}
        statuses = (results.get("activeManifest") or {}).get("failure") or []
    state = store.get("validation_state")
    actions = [
        action
        for assertion in manifest.get("assertions", [])
        if str(assertion.get("label", "")).startswith("c2pa.actions")
        for action in (assertion.get("data") or {}).get("actions", [])
    ]
    created: dict[str, Any] = next((a for a in actions if a.get("action") == CREATED), {})
    info = manifest.get("signature_info") or {}
    return Credentials(
        present=True,
        valid=state == "Trusted" and not statuses,
        state=state,
        signer=info.get("common_name") or info.get("issuer"),
        issuer=info.get("issuer"),
        actions=actions,
        digital_source_type=created.get("digitalSourceType"),
        software_agent=_agent_name(created.get("softwareAgent")),
        errors=[str(s.get("code")) for s in statuses],
        explanations=[f"{s.get('code')}: {s.get('explanation', '')}" for s in statuses],
        manifest=manifest,
    )


def read(data: bytes, content_type: str, settings: Settings) -> Credentials:
    """The picture's content credentials, checked against `trust_anchor_path(settings)`."""
    context = _reader_context(trust_anchor_path(settings))
    try:
        reader = c2pa.Reader.try_create(content_type, io.BytesIO(data), context=context)
    except c2pa.C2paError as error:
        # A manifest store too damaged to parse still says someone signed this once.
        present = b"c2pa" in data
        message = str(error)
        return Credentials(present=present, errors=[message], explanations=[message])
    if reader is None:
        return Credentials()
    with reader:
        return _credentials(json.loads(reader.json()))

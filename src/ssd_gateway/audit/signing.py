"""Signed tree heads: ``(size, root, timestamp)`` signed ES256 by the gateway's key.

The signed statement is the RFC 8785 canonical JSON of
``{"cert_sha256", "log", "root", "size", "timestamp"}``; the signature is ECDSA P-256 over
SHA-256 in the JOSE ``ES256`` form (raw ``r || s``, 64 bytes). Only the certificate is needed
to check it, so a head can be verified offline by anyone holding the gateway's certificate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509.oid import NameOID

from ssd_gateway.exceptions import ConfigurationError

LOG_ID = "ssd-gateway-evidence-log/1"


@dataclass(frozen=True)
class TreeHead:
    """A signed statement that the log had ``size`` entries with Merkle root ``root``."""

    size: int
    root: bytes
    timestamp: str
    signature: bytes
    cert_sha256: str
    consistency: tuple[bytes, ...] = ()

    def statement(self) -> bytes:
        """The exact bytes that were signed."""
        return head_statement(self.size, self.root, self.timestamp, self.cert_sha256)

    def as_json(self) -> dict[str, object]:
        """The head as JSON-ready values (hex hashes, base64url-free hex signature)."""
        return {"size": self.size, "root": self.root.hex(), "timestamp": self.timestamp,
                "signature": self.signature.hex(), "cert_sha256": self.cert_sha256,
                "consistency": [p.hex() for p in self.consistency]}

    @classmethod
    def from_json(cls, obj: dict[str, object]) -> TreeHead:
        """Read a head written by ``as_json``."""
        proof = obj.get("consistency") or []
        assert isinstance(proof, list)
        return cls(size=int(str(obj["size"])), root=bytes.fromhex(str(obj["root"])),
                   timestamp=str(obj["timestamp"]), signature=bytes.fromhex(str(obj["signature"])),
                   cert_sha256=str(obj["cert_sha256"]),
                   consistency=tuple(bytes.fromhex(str(p)) for p in proof))


def head_statement(size: int, root: bytes, timestamp: str, cert_sha256: str) -> bytes:
    """Return the canonical bytes of a tree head statement."""
    return rfc8785.dumps({"cert_sha256": cert_sha256, "log": LOG_ID, "root": root.hex(),
                          "size": size, "timestamp": timestamp})


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER encoding, hex."""
    return cert.fingerprint(hashes.SHA256()).hex()


def load_certificate(path: Path) -> x509.Certificate:
    """Read a PEM certificate; raise ConfigurationError if it is missing or unreadable."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read certificate {path}: {exc}") from exc


class HeadSigner:
    """Signs tree heads with the gateway's EC P-256 key."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        public = cert.public_key()
        if not (isinstance(public, ec.EllipticCurvePublicKey)
                and isinstance(public.curve, ec.SECP256R1)
                and public.public_numbers() == key.public_key().public_numbers()):
            raise ConfigurationError("the signing key is not the P-256 key of the certificate")
        self.key = key
        self.cert = cert
        self.cert_sha256 = fingerprint(cert)

    @classmethod
    def from_pem_files(cls, key_file: Path, cert_file: Path) -> HeadSigner:
        """Load the key and certificate from PEM files."""
        try:
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigurationError(f"cannot read signing key {key_file}: {exc}") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ConfigurationError("the tree-head signing key must be an EC P-256 key")
        return cls(key, load_certificate(cert_file))

    def sign(self, size: int, root: bytes, timestamp: str,
             consistency: tuple[bytes, ...] = ()) -> TreeHead:
        """Return the signed head for ``(size, root, timestamp)``."""
        statement = head_statement(size, root, timestamp, self.cert_sha256)
        r, s = decode_dss_signature(self.key.sign(statement, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return TreeHead(size, root, timestamp, signature, self.cert_sha256, consistency)


def check_head_signature(head: TreeHead, cert: x509.Certificate) -> str | None:
    """Return None if ``head`` is signed by ``cert``'s key, else why not."""
    if head.cert_sha256 != fingerprint(cert):
        return "signed under another certificate"
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or len(head.signature) != 64:
        return "not an ES256 signature"
    der = encode_dss_signature(int.from_bytes(head.signature[:32], "big"),
                               int.from_bytes(head.signature[32:], "big"))
    try:
        public.verify(der, head.statement(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "signature does not verify"
    return None


def generate_identity(directory: Path, common_name: str = "ssd-gateway evidence log",
                      days: int = 365) -> tuple[Path, Path]:
    """Write a new EC P-256 key and self-signed certificate to ``directory``; for tests/demo.

    Returns ``(key_file, cert_file)``. Production gateways sign with their federation key.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    key_file, cert_file = directory / "audit-key.pem", directory / "audit-cert.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file

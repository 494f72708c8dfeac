"""Reading and writing certificates and keys as PEM files.

Development certificates (from ``ssd-gateway certs``) and production certificates (OCES3
organisation certificates, exported to PEM) are loaded by the same functions. A PKCS#12 file
from a certificate vendor is converted once with ``openssl pkcs12`` (see ``certs/README.md``).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ssd_gateway.exceptions import ConfigurationError

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} {path}: {exc.strerror}") from exc


def load_certificates(path: Path) -> list[x509.Certificate]:
    """All certificates in a PEM file, in file order (leaf first for a chain file)."""
    data = _read(path, "certificate file")
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ConfigurationError(f"{path} holds no PEM certificate") from exc
    return certs


def load_certificate(path: Path) -> x509.Certificate:
    """The first (leaf) certificate of a PEM file."""
    return load_certificates(path)[0]


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKey:
    """An EC or RSA private key from a PEM file (optionally encrypted)."""
    data = _read(path, "key file")
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{path} holds no usable PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ConfigurationError(f"{path}: only EC and RSA keys are supported")
    return key


def certificate_pem(cert: x509.Certificate) -> bytes:
    """``cert`` as PEM bytes."""
    return cert.public_bytes(serialization.Encoding.PEM)


def private_key_pem(key: PrivateKey) -> bytes:
    """``key`` as unencrypted PKCS#8 PEM bytes."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def write_public(path: Path, data: bytes) -> None:
    """Write a certificate or CRL (public data), atomically: a reader (a gateway watching
    its CRL file) sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)

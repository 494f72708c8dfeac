"""The key and certificate a gateway signs its messages with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ssd_gateway.certs.files import PrivateKey, load_certificates, load_private_key
from ssd_gateway.exceptions import ConfigurationError


@dataclass(frozen=True)
class SigningKey:
    """A private key with its certificate (leaf first) and any intermediates."""

    key: PrivateKey
    cert: x509.Certificate
    intermediates: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        if self.cert.public_key() != self.key.public_key():
            raise ConfigurationError("the signing key does not belong to its certificate")

    @classmethod
    def from_files(cls, cert_file: Path, key_file: Path,
                   password: bytes | None = None) -> SigningKey:
        """Load a PEM certificate (chain, leaf first) and its PEM private key."""
        chain = load_certificates(cert_file)
        return cls(load_private_key(key_file, password), chain[0], tuple(chain[1:]))

    @property
    def chain(self) -> list[x509.Certificate]:
        """Leaf then intermediates, as they travel in ``x5c`` or ``KeyInfo``."""
        return [self.cert, *self.intermediates]

    @cached_property
    def jwk(self) -> Any:
        """The private key as a jwcrypto JWK, converted once (≈0.07 ms a conversion)."""
        from jwcrypto import jwk

        return jwk.JWK.from_pyca(self.key)

    @property
    def jws_alg(self) -> str:
        """ES256 for P-256 keys, PS256 for RSA keys (production certificates may be RSA)."""
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            if not isinstance(self.key.curve, ec.SECP256R1):
                raise ConfigurationError("EC signing keys must use P-256")
            return "ES256"
        if isinstance(self.key, rsa.RSAPrivateKey):
            return "PS256"
        raise ConfigurationError("unsupported signing key type")  # pragma: no cover

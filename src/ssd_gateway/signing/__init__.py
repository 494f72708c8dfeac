"""Message signatures: detached JWS over FHIR Bundles, enveloped XMLDSig over XML.

- ``sign_bundle(bundle, key) -> dict`` / ``verify_bundle(bundle, trust) -> CertificateIdentity``
- ``sign_xml(data, key) -> bytes`` / ``verify_xml(data, trust) -> VerifiedXml``

Both verify the signer's certificate against the federation CA and raise ``SignatureInvalid``
when anything does not match. Keys come from ``SigningKey.from_files(cert, key)``.
"""

from __future__ import annotations

from ssd_gateway.signing.jws import canonical_bundle, sign_bundle, verify_bundle
from ssd_gateway.signing.keys import SigningKey
from ssd_gateway.signing.xmldsig import VerifiedXml, parse_xml, sign_xml, verify_xml

__all__ = [
    "SigningKey",
    "VerifiedXml",
    "canonical_bundle",
    "parse_xml",
    "sign_bundle",
    "sign_xml",
    "verify_bundle",
    "verify_xml",
]

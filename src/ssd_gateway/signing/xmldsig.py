"""Enveloped XMLDSig over an XML message (signxml; ECDSA-SHA256, exclusive C14N).

The signature is a ``ds:Signature`` child of the root element with one reference (``URI=""``)
to the whole document, ``KeyInfo`` carrying the signer's certificate chain. Verification
checks that chain against the federation CA with ``FederationTrust`` and the signature with
signxml using the verified leaf certificate, then returns **only** ``signed_xml``: the content
the signature covers. Callers must never go back to the bytes they received (the XML signature
wrapping defence).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ssd_gateway.certs.identity import CertificateIdentity
from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.exceptions import SignatureInvalid, UnsafeInput
from ssd_gateway.signing.keys import SigningKey

DSIG = "http://www.w3.org/2000/09/xmldsig#"
MAX_XML_BYTES = 10 * 1024 * 1024
_EXPECT = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.ECDSA_SHA256, SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


@dataclass(frozen=True)
class VerifiedXml:
    """The signed content of a verified XML message and who signed it."""

    signed_xml: bytes
    signer: CertificateIdentity


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network, bounded size."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeInput("XML message over the size limit")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeInput(f"not well-formed XML: {exc.msg}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeInput("XML with a DOCTYPE is refused")
    return root


def sign_xml(data: bytes, key: SigningKey) -> bytes:
    """Return ``data`` with an enveloped signature appended to its root element."""
    root = parse_xml(data)
    algorithm = (SignatureMethod.ECDSA_SHA256 if isinstance(key.key, ec.EllipticCurvePrivateKey)
                 else SignatureMethod.RSA_SHA256)
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=algorithm,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(root, key=key.key, cert=key.chain)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def verify_xml(data: bytes, trust: FederationTrust, *,
               now: datetime | None = None) -> VerifiedXml:
    """Verify the enveloped signature; return the signed content or raise ``SignatureInvalid``."""
    root = parse_xml(data)
    chain = _key_info_chain(root)
    signer = trust.verify_signer(chain[0], chain[1:], now)
    try:
        result = XMLVerifier().verify(root, x509_cert=chain[0], expect_config=_EXPECT)
    except (SignXMLException, InvalidInput, ValueError) as exc:
        raise SignatureInvalid(f"the XML message does not match its signature: {exc}") from exc
    if isinstance(result, list) or result.signed_xml is None:
        raise SignatureInvalid("the XML signature does not cover one element")
    if result.signed_xml.tag != root.tag:
        raise SignatureInvalid("the XML signature does not cover the whole message")
    return VerifiedXml(bytes(etree.tostring(result.signed_xml, encoding="UTF-8")), signer)


def _key_info_chain(root: etree._Element) -> list[x509.Certificate]:
    found = root.findall(f"./{{{DSIG}}}Signature/{{{DSIG}}}KeyInfo/{{{DSIG}}}X509Data/"
                         f"{{{DSIG}}}X509Certificate")
    if not found:
        raise SignatureInvalid("the XML message carries no enveloped signature with a certificate")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode("".join((e.text or "").split())))
                for e in found]
    except ValueError as exc:
        raise SignatureInvalid("the XML signature holds an unreadable certificate") from exc

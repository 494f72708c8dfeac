"""Enveloped XMLDSig: sign, verify, only the signed content comes back, tampering fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from ssd_gateway.exceptions import SignatureInvalid, UnsafeInput
from ssd_gateway.signing import sign_xml, verify_xml
from ssd_gateway.testing import ThrowawayFederation

MESSAGE = ('<Message xmlns="urn:ssd-gateway:xml:1" envelopeId="e-1" messageId="m-1">'
           '<Sender orgId="skole"/><Body>Barnet trives 😊</Body></Message>').encode()


@pytest.fixture
def fed(tmp_path: Path) -> ThrowawayFederation:
    fed = ThrowawayFederation(tmp_path)
    fed.add("skole")
    fed.add("dagtilbud", "daycare")
    return fed


def test_sign_then_verify_returns_signed_content(fed: ThrowawayFederation) -> None:
    """Verification returns the message without the signature, and the signer."""
    signed = sign_xml(MESSAGE, fed.orgs["skole"].signing_key)
    assert b"SignatureValue" in signed and b"ECDSA" not in MESSAGE
    verified = verify_xml(signed, fed.trust())
    assert verified.signer.org_id == "skole"
    root = etree.fromstring(verified.signed_xml)
    assert root.findtext("{urn:ssd-gateway:xml:1}Body") == "Barnet trives 😊"
    assert b"Signature" not in verified.signed_xml


def test_algorithms_are_ecdsa_sha256_exclusive_c14n(fed: ThrowawayFederation) -> None:
    """The signature uses ECDSA-SHA256, SHA-256 digests and exclusive canonicalisation."""
    signed = sign_xml(MESSAGE, fed.orgs["skole"].signing_key)
    assert b"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" in signed
    assert b"http://www.w3.org/2001/10/xml-exc-c14n#" in signed
    assert b"http://www.w3.org/2001/04/xmlenc#sha256" in signed


def test_one_byte_changed_is_refused(fed: ThrowawayFederation) -> None:
    """Changing a single byte of the signed content fails verification."""
    signed = sign_xml(MESSAGE, fed.orgs["skole"].signing_key)
    tampered = signed.replace(b"trives", b"trivez")
    with pytest.raises(SignatureInvalid):
        verify_xml(tampered, fed.trust())


def test_changed_sender_is_refused(fed: ThrowawayFederation) -> None:
    """Changing an attribute in the envelope fails verification."""
    signed = sign_xml(MESSAGE, fed.orgs["skole"].signing_key)
    with pytest.raises(SignatureInvalid):
        verify_xml(signed.replace(b'orgId="skole"', b'orgId="dagtilbud"'), fed.trust())


def test_wrong_key_is_refused(fed: ThrowawayFederation) -> None:
    """A signature value made with another key than KeyInfo's certificate fails."""
    by_skole = sign_xml(MESSAGE, fed.orgs["skole"].signing_key)
    by_dagtilbud = sign_xml(MESSAGE, fed.orgs["dagtilbud"].signing_key)
    ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    a, b = etree.fromstring(by_skole), etree.fromstring(by_dagtilbud)
    a.find(".//ds:SignatureValue", ns).text = b.find(".//ds:SignatureValue", ns).text
    with pytest.raises(SignatureInvalid):
        verify_xml(etree.tostring(a), fed.trust())


def test_certificate_from_another_ca_is_refused(fed: ThrowawayFederation,
                                                tmp_path: Path) -> None:
    """A valid signature by a certificate outside the federation is refused."""
    other = ThrowawayFederation(tmp_path / "other")
    other.add("skole")
    signed = sign_xml(MESSAGE, other.orgs["skole"].signing_key)
    with pytest.raises(SignatureInvalid, match="not trusted"):
        verify_xml(signed, fed.trust())


def test_unsigned_message_is_refused(fed: ThrowawayFederation) -> None:
    """A message without an enveloped signature is refused."""
    with pytest.raises(SignatureInvalid):
        verify_xml(MESSAGE, fed.trust())


def test_wrapped_content_outside_the_signature_is_not_returned(
        fed: ThrowawayFederation) -> None:
    """Content moved outside what was signed is refused (signature wrapping)."""
    signed = etree.fromstring(sign_xml(MESSAGE, fed.orgs["skole"].signing_key))
    wrapper = etree.Element("{urn:ssd-gateway:xml:1}Message", envelopeId="e-9", messageId="m-9")
    etree.SubElement(wrapper, "{urn:ssd-gateway:xml:1}Sender", orgId="skole")
    wrapper.append(signed)
    with pytest.raises(SignatureInvalid):
        verify_xml(etree.tostring(wrapper), fed.trust())


def test_doctype_is_refused_before_anything_else(fed: ThrowawayFederation) -> None:
    """XML with a DTD (entity expansion, XXE) is refused as unsafe."""
    evil = b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "boom">]><m>&x;</m>'
    with pytest.raises(UnsafeInput):
        verify_xml(evil, fed.trust())

"""Detached JWS over canonical FHIR Bundles: sign, verify, and every way it must fail."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ssd_gateway.certs.trust import FederationTrust
from ssd_gateway.exceptions import SignatureInvalid
from ssd_gateway.peers import ORG_ID_SYSTEM
from ssd_gateway.signing import canonical_bundle, sign_bundle, verify_bundle
from ssd_gateway.signing.jws import SIG_FORMAT, TARGET_FORMAT
from ssd_gateway.testing import ThrowawayFederation


def bundle() -> dict[str, Any]:
    return {
        "resourceType": "Bundle", "id": "b-1", "type": "message",
        "timestamp": "2026-03-10T09:00:00+01:00",
        "entry": [
            {"fullUrl": "urn:uuid:h1", "resource": {
                "resourceType": "MessageHeader", "id": "m-1",
                "sender": {"reference": "urn:uuid:o1"}}},
            {"fullUrl": "urn:uuid:o1", "resource": {
                "resourceType": "Organization", "id": "o1", "name": "Skolen æøå",
                "identifier": [{"system": ORG_ID_SYSTEM, "value": "skole"}]}},
        ],
    }


@pytest.fixture
def fed(tmp_path: Path) -> ThrowawayFederation:
    fed = ThrowawayFederation(tmp_path)
    fed.add("skole")
    fed.add("dagtilbud", "daycare")
    return fed


def test_sign_then_verify_names_the_signer(fed: ThrowawayFederation) -> None:
    """A signed Bundle verifies and yields the signer's organisation."""
    signed = sign_bundle(bundle(), fed.orgs["skole"].signing_key)
    assert signed["signature"]["sigFormat"] == SIG_FORMAT
    assert signed["signature"]["targetFormat"] == TARGET_FORMAT
    assert signed["signature"]["who"] == {"reference": "urn:uuid:o1"}
    assert verify_bundle(signed, fed.trust()).org_id == "skole"


def test_signature_survives_a_json_round_trip_with_other_key_order(
        fed: ThrowawayFederation) -> None:
    """What is signed is canonical JSON, so re-serialising with other key order still verifies."""
    signed = sign_bundle(bundle(), fed.orgs["skole"].signing_key)
    reordered = json.loads(json.dumps(signed, sort_keys=True, indent=2))
    assert verify_bundle(reordered, fed.trust()).org_id == "skole"


def test_canonical_form_excludes_the_signature(fed: ThrowawayFederation) -> None:
    """The signature element is not part of what is signed."""
    signed = sign_bundle(bundle(), fed.orgs["skole"].signing_key)
    assert canonical_bundle(signed) == canonical_bundle(bundle())


@pytest.mark.parametrize("tamper", [
    lambda b: b.update(id="b-2"),
    lambda b: b["entry"][1]["resource"].update(name="Skolen æøæ"),
    lambda b: b["entry"].pop(),
    lambda b: b.update(extra=True),
])
def test_tampered_bundle_is_refused(fed: ThrowawayFederation, tamper: Any) -> None:
    """Any change to the signed content fails verification."""
    signed = sign_bundle(bundle(), fed.orgs["skole"].signing_key)
    tamper(signed)
    with pytest.raises(SignatureInvalid):
        verify_bundle(signed, fed.trust())


def test_one_flipped_byte_in_the_jws_is_refused(fed: ThrowawayFederation) -> None:
    """Changing one byte of the signature value fails verification."""
    signed = sign_bundle(bundle(), fed.orgs["skole"].signing_key)
    token = base64.b64decode(signed["signature"]["data"]).decode()
    header, _, sig = token.split(".")
    flipped = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    signed["signature"]["data"] = base64.b64encode(f"{header}..{flipped}".encode()).decode()
    with pytest.raises(SignatureInvalid):
        verify_bundle(signed, fed.trust())


def test_wrong_key_for_the_certificate_is_refused(fed: ThrowawayFederation) -> None:
    """A JWS made with another key than the x5c certificate's does not verify."""
    skole, dagtilbud = fed.orgs["skole"].signing_key, fed.orgs["dagtilbud"].signing_key
    signed = sign_bundle(bundle(), dagtilbud)
    forged = sign_bundle(bundle(), skole)
    # keep dagtilbud's signature but claim skole's certificate in the header
    token = base64.b64decode(signed["signature"]["data"]).decode()
    forged_header = base64.b64decode(forged["signature"]["data"]).decode().split(".")[0]
    mixed = forged_header + ".." + token.split(".")[2]
    signed["signature"]["data"] = base64.b64encode(mixed.encode()).decode()
    with pytest.raises(SignatureInvalid):
        verify_bundle(signed, fed.trust())


def test_certificate_from_another_ca_is_refused(fed: ThrowawayFederation,
                                                tmp_path: Path) -> None:
    """A perfectly valid signature by a certificate outside the federation is refused."""
    other = ThrowawayFederation(tmp_path / "other")
    other.add("skole")
    signed = sign_bundle(bundle(), other.orgs["skole"].signing_key)
    assert verify_bundle(signed, other.trust()).org_id == "skole"
    with pytest.raises(SignatureInvalid, match="not trusted"):
        verify_bundle(signed, fed.trust())


@pytest.mark.parametrize("field,value", [
    ("sigFormat", "application/pkcs7-signature"),
    ("targetFormat", "application/fhir+json"),
    ("data", "not base64!"),
])
def test_unsupported_signature_element_is_refused(fed: ThrowawayFederation, field: str,
                                                  value: str) -> None:
    """Unknown formats or garbage in Bundle.signature are refused, never skipped."""
    signed = copy.deepcopy(sign_bundle(bundle(), fed.orgs["skole"].signing_key))
    signed["signature"][field] = value
    with pytest.raises(SignatureInvalid):
        verify_bundle(signed, fed.trust())


def test_unsigned_bundle_is_refused(fed: ThrowawayFederation) -> None:
    """A Bundle without a signature does not verify."""
    with pytest.raises(SignatureInvalid, match="no signature"):
        verify_bundle(bundle(), fed.trust())


def test_trust_is_only_the_federation_ca(fed: ThrowawayFederation) -> None:
    """The trust anchor holds exactly the federation CA."""
    assert len(FederationTrust.from_file(fed.ca_file).ca_certs) == 1

"""A signed XML message with its per-send envelope id still validates and reads back."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.samples import sample_messages
from ssd_gateway.signing import sign_xml, verify_xml
from ssd_gateway.testing import ThrowawayFederation
from ssd_gateway.xml import message_to_xml, schema_path, validate_xml, xml_to_message
from tests.conftest import require_tool


def test_signed_message_validates_and_its_signed_content_reads_back(tmp_path: Path) -> None:
    """Envelope id + enveloped signature pass the schema; the verified content is the message."""
    federation = ThrowawayFederation(tmp_path)
    school = federation.add("skole-valby")
    message = sample_messages(date.today())["underretning"]
    signed = sign_xml(message_to_xml(message, envelope_id="env-7"), school.signing_key)
    assert b'envelope_id="env-7"' in signed
    assert validate_xml(signed) == []
    verified = verify_xml(signed, federation.trust())
    assert xml_to_message(verified.signed_xml) == message


def test_unverified_signed_document_is_not_read_as_a_message(tmp_path: Path) -> None:
    """Reading must go through verification: the raw signed document is refused."""
    federation = ThrowawayFederation(tmp_path)
    school = federation.add("skole-valby")
    message = sample_messages(date.today())["consent"]
    signed = sign_xml(message_to_xml(message), school.signing_key)
    with pytest.raises(RecordInvalid):
        xml_to_message(signed)


def test_xmllint_accepts_the_signed_message(tmp_path: Path) -> None:
    """xmllint, a validator nobody here wrote, accepts the signed envelope."""
    xmllint = require_tool("xmllint", "apt-get install libxml2-utils")
    federation = ThrowawayFederation(tmp_path)
    school = federation.add("skole-valby")
    path = tmp_path / "signed.xml"
    path.write_bytes(sign_xml(message_to_xml(sample_messages(date.today())["stafetlog"],
                                             envelope_id="e-1"), school.signing_key))
    result = subprocess.run([xmllint, "--noout", "--schema", str(schema_path("envelope")),
                             str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

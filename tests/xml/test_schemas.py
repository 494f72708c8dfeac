"""The XSDs in schemas/: generated from the model, valid XSD 1.0, and accepted by xmllint."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from ssd_gateway.model.records import RECORD_CLASSES
from ssd_gateway.xml import schema_path, validate_xml
from ssd_gateway.xml.names import KIND_NAMESPACES
from ssd_gateway.xml.xsdgen import build_schemas
from tests.xml.conftest import run_xmllint

ALL_SCHEMAS = ["envelope", "common", "acknowledgement", *sorted(RECORD_CLASSES)]


def test_committed_schemas_match_the_model() -> None:
    """schemas/*.xsd are exactly what the model generates (run xsdgen after a model change)."""
    for name, content in build_schemas().items():
        committed = schema_path(name.removesuffix(".xsd")).read_bytes()
        assert committed == content, f"{name} is stale: python -m ssd_gateway.xml.xsdgen"


def test_one_schema_per_kind_each_with_its_own_namespace() -> None:
    """Every record kind has its own XSD whose target namespace is urn:ssd-gateway:<kind>:1."""
    namespaces = set()
    for kind in RECORD_CLASSES:
        root = etree.parse(str(schema_path(kind))).getroot()
        assert root.get("targetNamespace") == KIND_NAMESPACES[kind]
        namespaces.add(root.get("targetNamespace"))
    assert len(namespaces) == 12


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_compiles_with_lxml(name: str) -> None:
    """Each schema is a valid XSD 1.0 that libxml2 compiles."""
    etree.XMLSchema(etree.parse(str(schema_path(name))))


def test_unknown_schema_name_is_refused() -> None:
    """schema_path raises KeyError for a name that has no schema."""
    with pytest.raises(KeyError):
        schema_path("no_such_kind")


def test_code_lists_and_patterns_are_in_common() -> None:
    """common.xsd holds the sector code list and the CPR, municipality and date patterns."""
    text = schema_path("common").read_text(encoding="utf-8")
    for needle in ('name="Sector"', 'value="social_authority"', 'name="Cpr"',
                   'value="[0-9]{4}"', 'name="IsoDate"', 'name="DateTimeWithZone"'):
        assert needle in text


def _record_document(envelope: bytes) -> bytes:
    """The record element of an envelope, as a document of its own."""
    record = copy.deepcopy(etree.fromstring(envelope)[-1])
    return etree.tostring(record, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("kind", sorted(RECORD_CLASSES))
def test_sample_validates_with_xmllint(
    documents: dict[str, bytes], xmllint: str, tmp_path: Path, kind: str
) -> None:
    """xmllint accepts each sample against envelope.xsd, and its record against <kind>.xsd."""
    message_file = tmp_path / f"{kind}.xml"
    message_file.write_bytes(documents[kind])
    result = run_xmllint(xmllint, schema_path("envelope"), message_file)
    assert result.returncode == 0, result.stderr
    assert "validates" in result.stderr
    record_file = tmp_path / f"{kind}.record.xml"
    record_file.write_bytes(_record_document(documents[kind]))
    result = run_xmllint(xmllint, schema_path(kind), record_file)
    assert result.returncode == 0, result.stderr


def test_xmllint_refuses_a_bad_document(
    documents: dict[str, bytes], xmllint: str, tmp_path: Path
) -> None:
    """xmllint agrees with us on a refusal: an unknown sector fails envelope.xsd."""
    bad = tmp_path / "bad.xml"
    bad.write_bytes(documents["consent"].replace(b">daycare<", b">kindergarten<", 1))
    result = run_xmllint(xmllint, schema_path("envelope"), bad)
    assert result.returncode != 0
    assert "kindergarten" in result.stderr and "sector" in result.stderr


@pytest.mark.parametrize("kind", sorted(RECORD_CLASSES))
def test_standalone_record_document_validates(documents: dict[str, bytes], kind: str) -> None:
    """validate_xml picks <kind>.xsd for a record element on its own, and accepts it."""
    assert validate_xml(_record_document(documents[kind])) == []

"""Write the XSDs in ``schemas/`` from the canonical model (``python -m ssd_gateway.xml.xsdgen``).

The schemas are generated, committed and published; a test fails when the committed files
differ from what the model generates, so a model change cannot silently break the XML format.
``acknowledgement.xsd`` is written by hand and not touched here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from lxml import etree
from pydantic import BaseModel

from ssd_gateway.model import Message
from ssd_gateway.model.codes import Sector
from ssd_gateway.model.records import RECORD_CLASSES
from ssd_gateway.xml.names import (
    COMMON_NS,
    ENVELOPE_ID_ATTRIBUTE,
    ENVELOPE_NS,
    KIND_NAMESPACES,
    KIND_PREFIXES,
    XMLDSIG_NS,
    XS_NS,
    schema_path,
)
from ssd_gateway.xml.shape import COMMON_MODELS, Leaf, Slot, slots

_XS = f"{{{XS_NS}}}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_GENERATED = (
    "Generated from the canonical model of ssd-gateway by `python -m ssd_gateway.xml.xsdgen`;"
    " do not edit by hand. Element names are the model's field names."
)
#: simple types of common.xsd: name -> (base, facets, English documentation)
_SIMPLE_TYPES: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "NonEmptyString": ("xs:string", [("minLength", "1"), ("pattern", r"[\s\S]*\S[\s\S]*")],
                       "Text with at least one character that is not white space."),
    "Cpr": ("xs:string", [("pattern", "(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{6}")],
            "CPR number: ten digits without dash, the first six a DDMMYY date "
            "(modulus 11 is not required)."),
    "ReplacementId": ("xs:string", [("pattern", r"[\s\S]*[^0-9][\s\S]*")],
                      "A replacement id for a child without CPR number; it contains at least "
                      "one character that is not a digit, so it is never mistaken for a CPR "
                      "number."),
    "MunicipalityCode": ("xs:string", [("pattern", "[0-9]{4}")],
                         "Danish municipality code, four digits (0101 is København)."),
    "Cvr": ("xs:string", [("pattern", "[0-9]{8}")], "CVR number: eight digits."),
    "IsoDate": ("xs:date", [("pattern", "[0-9]{4}-[0-9]{2}-[0-9]{2}")],
                "ISO 8601 calendar date without time zone (2026-03-10)."),
    "DateTimeWithZone": (
        "xs:dateTime",
        [("pattern", r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                     r"(Z|[+\-][0-9]{2}:[0-9]{2})")],
        "ISO 8601 date and time with a time zone (2026-03-10T10:00:00+01:00 or ...Z).",
    ),
}


def _doc(parent: etree._Element, text: str | None) -> None:
    if not text:
        return
    annotation = etree.SubElement(parent, _XS + "annotation")
    doc = etree.SubElement(annotation, _XS + "documentation")
    doc.set(_XML_LANG, "en")
    doc.text = text.strip().splitlines()[0]


def _schema(target_ns: str, prefix: str, doc: str, imports: dict[str, str]) -> etree._Element:
    nsmap = {"xs": XS_NS, prefix: target_ns, "c": COMMON_NS}
    nsmap.update({KIND_PREFIXES[k]: KIND_NAMESPACES[k] for k in imports if k in KIND_PREFIXES})
    root = etree.Element(_XS + "schema", nsmap=nsmap)
    root.set("targetNamespace", target_ns)
    root.set("elementFormDefault", "qualified")
    root.set("version", "1")
    _doc(root, f"{doc} {_GENERATED}")
    for name, ns in imports.items():
        etree.SubElement(root, _XS + "import", namespace=ns, schemaLocation=f"{name}.xsd")
    return root


def _type_name(model: type[BaseModel], prefix: str) -> str:
    return f"c:{model.__name__}" if model in COMMON_MODELS else f"{prefix}:{model.__name__}"


def _leaf_element(element: etree._Element, leaf: Leaf) -> None:
    if not (leaf.literal or leaf.minimum is not None or leaf.maximum is not None):
        element.set("type", leaf.type_name)
        return
    restriction = etree.SubElement(
        etree.SubElement(element, _XS + "simpleType"), _XS + "restriction", base=leaf.type_name
    )
    for value in leaf.literal:
        etree.SubElement(restriction, _XS + "enumeration", value=value)
    if leaf.minimum is not None:
        etree.SubElement(restriction, _XS + "minInclusive", value=str(leaf.minimum))
    if leaf.maximum is not None:
        etree.SubElement(restriction, _XS + "maxInclusive", value=str(leaf.maximum))


def _element(sequence: etree._Element, slot: Slot, prefix: str) -> None:
    if slot.record:
        choice = etree.SubElement(sequence, _XS + "choice")
        for kind, kind_prefix in KIND_PREFIXES.items():
            etree.SubElement(choice, _XS + "element", ref=f"{kind_prefix}:{kind}")
        return
    element = etree.SubElement(sequence, _XS + "element", name=slot.tag)
    if slot.min_occurs != 1:
        element.set("minOccurs", str(slot.min_occurs))
    if slot.many:
        element.set("maxOccurs", "unbounded")
    if slot.model is not None:
        element.set("type", _type_name(slot.model, prefix))
    elif slot.leaf is not None:
        _leaf_element(element, slot.leaf)


def _complex_type(schema: etree._Element, model: type[BaseModel], prefix: str) -> None:
    complex_type = etree.SubElement(schema, _XS + "complexType", name=model.__name__)
    _doc(complex_type, model.__doc__)
    sequence = etree.SubElement(complex_type, _XS + "sequence")
    for slot in slots(model):
        _element(sequence, slot, prefix)


def _nested(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """Yield ``model`` and every model class reachable from it, depth first, once each."""
    seen: list[type[BaseModel]] = []

    def walk(current: type[BaseModel]) -> None:
        if current in seen:
            return
        seen.append(current)
        for slot in slots(current):
            if slot.model is not None:
                walk(slot.model)

    walk(model)
    yield from seen


def _enums(models: list[type[BaseModel]]) -> list[type[StrEnum]]:
    found: list[type[StrEnum]] = []
    for model in models:
        for slot in slots(model):
            enum = slot.leaf.enum if slot.leaf else None
            if enum is not None and enum not in found:
                found.append(enum)
    return found


def _enum_type(schema: etree._Element, enum: type[StrEnum]) -> None:
    simple = etree.SubElement(schema, _XS + "simpleType", name=enum.__name__)
    _doc(simple, enum.__doc__)
    restriction = etree.SubElement(simple, _XS + "restriction", base="xs:token")
    for member in enum:
        etree.SubElement(restriction, _XS + "enumeration", value=member.value)


def _simple_type(schema: etree._Element, name: str) -> None:
    simple = etree.SubElement(schema, _XS + "simpleType", name=name)
    if name == "ChildId":
        _doc(simple, "A child's id: a CPR number, or a replacement id.")
        etree.SubElement(simple, _XS + "union", memberTypes="c:Cpr c:ReplacementId")
        return
    base, facets, doc = _SIMPLE_TYPES[name]
    _doc(simple, doc)
    restriction = etree.SubElement(simple, _XS + "restriction", base=base)
    for facet, value in facets:
        etree.SubElement(restriction, _XS + facet, value=value)


def common_schema() -> etree._Element:
    """Return common.xsd: Child, Person, Party, the DK identifiers and every code list."""
    schema = _schema(COMMON_NS, "c", "Types shared by every ssd-gateway document.", {})
    for name in [*_SIMPLE_TYPES, "ChildId"]:
        _simple_type(schema, name)
    roots: list[type[BaseModel]] = [Message, *RECORD_CLASSES.values()]
    enums = _enums([model for root in roots for model in _nested(root)])
    others = sorted((e for e in enums if e is not Sector), key=lambda e: e.__name__)
    ordered: list[type[StrEnum]] = [Sector, *others]
    for enum in ordered:
        _enum_type(schema, enum)
    for model in COMMON_MODELS:
        _complex_type(schema, model, "c")
    return schema


def kind_schema(kind: str, owners: dict[type[BaseModel], str]) -> etree._Element:
    """Return the schema of one record kind: its root element and its own types."""
    model = RECORD_CLASSES[kind]
    prefix = KIND_PREFIXES[kind]
    schema = _schema(KIND_NAMESPACES[kind], prefix, f"Record kind '{kind}'.",
                     {"common": COMMON_NS})
    etree.SubElement(schema, _XS + "element", name=kind, type=f"{prefix}:{model.__name__}")
    for nested in _nested(model):
        if nested in COMMON_MODELS:
            continue
        if owners.setdefault(nested, kind) != kind:
            raise ValueError(f"{nested.__name__} is used by {owners[nested]} and {kind}: "
                             "add it to COMMON_MODELS")
        _complex_type(schema, nested, prefix)
    return schema


def envelope_schema() -> etree._Element:
    """Return envelope.xsd: who sends what to whom, why, on which basis, and one record."""
    imports = {"common": COMMON_NS, **{kind: KIND_NAMESPACES[kind] for kind in KIND_PREFIXES}}
    schema = _schema(ENVELOPE_NS, "env", "Envelope of one logical ssd-gateway message.", imports)
    etree.SubElement(schema, _XS + "element", name="message", type="env:Message")
    _complex_type(schema, Message, "env")
    message_type = schema[-1]
    sequence = message_type.find(_XS + "sequence")
    assert sequence is not None
    # an enveloped XMLDSig signature travels as the last child; its own schema is the W3C one
    etree.SubElement(sequence, _XS + "any",
                     namespace=XMLDSIG_NS, processContents="skip", minOccurs="0")
    # the per-send id (MedCom's Bundle.id): new for every send of the same logical message
    envelope_id = etree.SubElement(message_type, _XS + "attribute", name=ENVELOPE_ID_ATTRIBUTE,
                                   type="c:NonEmptyString", use="optional")
    _doc(envelope_id, "Per-send envelope id (MedCom Bundle.id); message_id is per logical "
         "message (MessageHeader.id).")
    return schema


def build_schemas() -> dict[str, bytes]:
    """Return every generated schema as file name -> serialised XSD."""
    owners: dict[type[BaseModel], str] = {}
    trees = {"common": common_schema(), "envelope": envelope_schema()}
    trees.update({kind: kind_schema(kind, owners) for kind in KIND_PREFIXES})
    return {
        f"{name}.xsd": etree.tostring(tree, pretty_print=True, xml_declaration=True,
                                      encoding="UTF-8")
        for name, tree in trees.items()
    }


def write_schemas(directory: Path) -> list[Path]:
    """Write every generated schema into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in build_schemas().items():
        target = directory / name
        target.write_bytes(content)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    """Command line: write the schemas into DIR (default: the project's ``schemas/``)."""
    directory = Path(argv[0]) if argv else schema_path("common").parent
    for path in write_schemas(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

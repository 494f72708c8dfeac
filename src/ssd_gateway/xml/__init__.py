"""XML messages: record <-> XML documents validated against the XSDs in ``schemas/``.

- ``parse_secure``: the only way untrusted XML is parsed (no DTDs, entities or network; a size
  limit).
- ``message_to_xml`` / ``xml_to_message``: a ``Message`` as an envelope document, losslessly.
- ``validate_xml`` / ``validate_acknowledgement``: schema problems with readable paths.
- ``make_acknowledgement_xml`` / ``read_acknowledgement_xml``: the receiver's answer.
- ``schema_path(kind)``: the XSD of a record kind, or of envelope/common/acknowledgement.

This package is ``ssd_gateway.xml``; inside it the standard library's ``xml`` is never used.
"""

from ssd_gateway.xml.ack import make_acknowledgement_xml, read_acknowledgement_xml
from ssd_gateway.xml.names import schema_path
from ssd_gateway.xml.problems import UnsafeXml, XmlProblem
from ssd_gateway.xml.read import xml_to_message
from ssd_gateway.xml.render import message_to_xml
from ssd_gateway.xml.secure import parse_secure
from ssd_gateway.xml.validate import validate_acknowledgement, validate_xml

__all__ = [
    "UnsafeXml",
    "XmlProblem",
    "make_acknowledgement_xml",
    "message_to_xml",
    "parse_secure",
    "read_acknowledgement_xml",
    "schema_path",
    "validate_acknowledgement",
    "validate_xml",
    "xml_to_message",
]

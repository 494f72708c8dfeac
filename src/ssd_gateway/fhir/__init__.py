"""FHIR R4 messages: every record kind ⇄ a MedCom-style message Bundle, and acknowledgements.

Public API::

    message_to_bundle(message, *, bundle_id=None, timestamp=None) -> dict
    bundle_to_message(bundle, settings=None) -> Message         # raises RecordInvalid
    validate_bundle(bundle) -> list[Problem]                    # structure + project invariants
    make_acknowledgement(request_bundle, code, issues=(), warnings=(), *, sender=None,
                         bundle_id=None, timestamp=None) -> dict
    read_acknowledgement(bundle) -> Acknowledgement             # raises RecordInvalid
    load_terminology() -> dict[str, dict]                       # CodeSystems/ValueSets by URL
    message_header_id(message_id) -> str                        # the stable MessageHeader.id

Bundles are plain JSON-ready dicts. ``fhir.resources.R4B`` (imported only in ``_r4b``) checks
their structure; ``invariants`` adds the rules it does not check. Everything here is imported
lazily, so ``import ssd_gateway.fhir`` stays cheap until a function is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ssd_gateway.fhir._bundle import message_header_id
    from ssd_gateway.fhir.acknowledgement import make_acknowledgement, read_acknowledgement
    from ssd_gateway.fhir.mapper import bundle_to_message, message_to_bundle
    from ssd_gateway.fhir.terminology import load_terminology
    from ssd_gateway.fhir.validation import validate_bundle

_EXPORTS = {
    "message_to_bundle": "ssd_gateway.fhir.mapper",
    "bundle_to_message": "ssd_gateway.fhir.mapper",
    "validate_bundle": "ssd_gateway.fhir.validation",
    "make_acknowledgement": "ssd_gateway.fhir.acknowledgement",
    "read_acknowledgement": "ssd_gateway.fhir.acknowledgement",
    "load_terminology": "ssd_gateway.fhir.terminology",
    "message_header_id": "ssd_gateway.fhir._bundle",
}

__all__ = [
    "bundle_to_message", "load_terminology", "make_acknowledgement", "message_header_id",
    "message_to_bundle", "read_acknowledgement", "validate_bundle",
]


def __getattr__(name: str) -> Any:
    """Import a public function on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ssd_gateway.fhir' has no attribute {name!r}")
    return getattr(import_module(module), name)

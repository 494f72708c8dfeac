"""The one place that imports ``fhir.resources.R4B``: every FHIR model class the package uses.

fhir.resources' top-level modules are R5; R4 exists only as R4B (4.3.0), which differs from
4.0.1 in none of the resources we emit (anchors-python §B1). Importing costs ~0.2 s, so the
rest of the package imports this module lazily.
"""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.valueset import ValueSet

FHIR_VERSION = "4.0.1"

__all__ = ["FHIR_VERSION", "Bundle", "CodeSystem", "OperationOutcome", "ValueSet"]

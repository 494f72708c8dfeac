"""``validate_bundle``: fhir.resources' structural validation plus the project invariants.

pydantic errors are translated here, once, into ``Problem``s addressed by FHIR path
(``Bundle.entry[2].resource.status``); no caller sees a pydantic exception.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir.invariants import check_invariants


def _fhir_path(loc: tuple[int | str, ...]) -> str:
    path = "Bundle"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part and not part.startswith(("function-", "json-or-python")):
            path += f".{part}"
    return path


def structural_problems(bundle: Any) -> list[Problem]:
    """Return the problems fhir.resources finds in ``bundle`` as a FHIR R4 Bundle."""
    from ssd_gateway.fhir._r4b import Bundle

    if not isinstance(bundle, dict):
        return [Problem("Bundle", "fhir_structure", "ikke et JSON-objekt", "not a JSON object")]
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        return [Problem(_fhir_path(tuple(err["loc"])), "fhir_structure",
                        f"ugyldig FHIR-struktur: {err['msg']}", err["msg"])
                for err in exc.errors(include_url=False)]
    except (TypeError, ValueError, AttributeError, LookupError) as exc:
        # fhir_core has been seen to fail on a shape it does not expect (a list where a uri
        # belongs, an unknown resourceType: TypeError, KeyError) instead of reporting it.
        return [Problem("Bundle", "fhir_structure", "ugyldig FHIR-struktur: ulæselig form",
                        f"invalid FHIR structure: unreadable shape ({type(exc).__name__})")]
    return []


def validate_bundle(bundle: dict[str, Any]) -> list[Problem]:
    """Return every structural and project-invariant problem of ``bundle`` (empty if valid)."""
    problems = structural_problems(bundle)
    if isinstance(bundle, dict):
        problems += check_invariants(bundle)
    return problems

"""The acknowledgement on the wire: a MedCom-style FHIR acknowledgement, or a small XML one.

Provisional like ``envelope``: the ``fhir`` and ``xml`` parts may take over rendering. The
shape follows MedCom reliable messaging: a message Bundle whose MessageHeader has
``eventCoding = acknowledgement-message`` and ``response`` (``identifier`` = the acknowledged
MessageHeader.id, ``code`` = ok | transient-error | fatal-error); an OperationOutcome carries
the project's error codes (and warnings, on an ``ok``).

MedCom acknowledgements name only the acknowledged MessageHeader.id; ours also carry the
acknowledged ``Bundle.id``: FHIR in ``MessageHeader.meta.tag`` (system
``urn:ssd-gateway:acked-bundle``), XML in the ``envelopeId`` attribute.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast, get_args

from ssd_gateway.contracts import AckCode, Acknowledgement, MessageFormat
from ssd_gateway.exceptions import GatewayError, Problem, RecordInvalid
from ssd_gateway.transport.envelope import parse_json
from ssd_gateway.xml.ack import make_acknowledgement_xml, read_acknowledgement_xml

EVENT_SYSTEM = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes"
ERROR_CODE_SYSTEM = "urn:ssd-gateway:error-code"
ACKED_BUNDLE_SYSTEM = "urn:ssd-gateway:acked-bundle"


def render_ack(format: MessageFormat, ack: Acknowledgement) -> bytes:
    """The bytes of ``ack`` in ``format`` (``ack.body`` if the inbox already rendered it)."""
    if ack.body:
        return ack.body
    return _render_fhir(ack) if format == "fhir" else _render_xml(ack)


def parse_ack(format: MessageFormat, body: bytes) -> Acknowledgement:
    """Read an acknowledgement; raise ``RecordInvalid`` if ``body`` is not one."""
    try:
        return _parse_fhir(body) if format == "fhir" else _parse_xml(body)
    except GatewayError as exc:
        raise RecordInvalid([_not_an_ack]) from exc
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise RecordInvalid([_not_an_ack]) from exc


_not_an_ack = Problem("", "NOT_AN_ACKNOWLEDGEMENT", "svaret er ikke en kvittering",
                      "the answer is not an acknowledgement")


def _render_fhir(ack: Acknowledgement) -> bytes:
    header_url, outcome_url = f"urn:uuid:{uuid.uuid4()}", f"urn:uuid:{uuid.uuid4()}"
    response: dict[str, Any] = {"identifier": ack.message_id, "code": ack.code}
    entries: list[dict[str, Any]] = []
    issues = [_fhir_issue(p) for p in ack.issues] + [
        {"severity": "warning", "code": "informational", "details": {"text": w}}
        for w in ack.warnings
    ]
    if issues:
        response["details"] = {"reference": outcome_url}
        entries.append({"fullUrl": outcome_url,
                        "resource": {"resourceType": "OperationOutcome", "issue": issues}})
    header = {
        "resourceType": "MessageHeader",
        "id": header_url.removeprefix("urn:uuid:"),
        "meta": {"tag": [{"system": ACKED_BUNDLE_SYSTEM, "code": ack.bundle_id}]},
        "eventCoding": {"system": EVENT_SYSTEM, "code": "acknowledgement-message"},
        "source": {"endpoint": "urn:ssd-gateway"},
        "response": response,
    }
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "entry": [{"fullUrl": header_url, "resource": header}, *entries],
    }
    return json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _fhir_issue(problem: Problem) -> dict[str, Any]:
    return {
        "severity": "error",
        "code": "processing",
        "details": {"coding": [{"system": ERROR_CODE_SYSTEM, "code": problem.code}],
                    "text": problem.message_da},
        "diagnostics": problem.message_en,
        "expression": [problem.path] if problem.path else [],
    }


def _parse_fhir(body: bytes) -> Acknowledgement:
    bundle = parse_json(body)
    entries = bundle.get("entry") or []
    header = entries[0].get("resource", {}) if entries and isinstance(entries[0], dict) else {}
    response = header.get("response") if isinstance(header, dict) else None
    if not isinstance(response, dict) or header.get("resourceType") != "MessageHeader":
        raise ValueError("not an acknowledgement message")
    tags = (header.get("meta") or {}).get("tag") or []
    acked = next((t.get("code") for t in tags if t.get("system") == ACKED_BUNDLE_SYSTEM), "")
    problems: list[Problem] = []
    warnings: list[str] = []
    for entry in entries[1:]:
        resource = entry.get("resource", {}) if isinstance(entry, dict) else {}
        if resource.get("resourceType") != "OperationOutcome":
            continue
        for issue in resource.get("issue", []):
            _read_fhir_issue(issue, problems, warnings)
    return Acknowledgement(code=_code(response.get("code")),
                           message_id=str(response.get("identifier", "")),
                           bundle_id=str(acked or ""), issues=tuple(problems),
                           warnings=tuple(warnings), body=body)


def _read_fhir_issue(issue: Mapping[str, Any], problems: list[Problem],
                     warnings: list[str]) -> None:
    details = issue.get("details") or {}
    if issue.get("severity") in ("warning", "information"):
        warnings.append(str(details.get("text", "")))
        return
    coding = (details.get("coding") or [{}])[0]
    expression = issue.get("expression") or [""]
    problems.append(Problem(str(expression[0]), str(coding.get("code", "UNKNOWN")),
                            str(details.get("text", "")), str(issue.get("diagnostics", ""))))


def _code(value: object) -> AckCode:
    if value not in get_args(AckCode):
        raise ValueError("unknown acknowledgement code")
    return cast(AckCode, value)


def _render_xml(ack: Acknowledgement) -> bytes:
    return make_acknowledgement_xml(ack.message_id, ack.bundle_id, ack.code, ack.issues,
                                    ack.warnings)


def _parse_xml(body: bytes) -> Acknowledgement:
    return read_acknowledgement_xml(body)

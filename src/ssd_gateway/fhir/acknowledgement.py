"""MedCom-style acknowledgements: ``make_acknowledgement`` and ``read_acknowledgement``.

An acknowledgement is itself a message Bundle (anchors-interop §4.3): its MessageHeader has
``eventCoding = acknowledgement`` and ``response.identifier`` = the acknowledged request's
``MessageHeader.id``, with ``code`` ``ok``, ``transient-error`` or ``fatal-error``. It goes
from the request's receiver back to its sender (both Organizations are copied from the
request). When the code is not ``ok``, or there are issues or warnings, an OperationOutcome
carries them: project error codes in ``details.coding``, Danish in ``details.text`` with an
English translation, the English text also as ``diagnostics`` and the path as ``expression``.

``Acknowledgement.message_id`` is the acknowledged ``MessageHeader.id``; ``bundle_id`` is the
acknowledged request's ``Bundle.id`` (extension ``acknowledged-bundle``), so both pair with
the ``OutboundMessage`` that was sent. ``message_header_id(message.message_id)`` gives the
former from a logical message id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, get_args

from ssd_gateway.contracts import AckCode, Acknowledgement
from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.fhir import urls
from ssd_gateway.fhir._bundle import NAMESPACE, BundleIndex, fhir_datetime, narrative, reference
from ssd_gateway.fhir._node import Node, ReadError, unexpected
from ssd_gateway.fhir._people import party_organization
from ssd_gateway.fhir.mapper import EVENT_SYSTEM, endpoint
from ssd_gateway.fhir.terminology import coding, defined_codes
from ssd_gateway.model import Party

ACKED_BUNDLE_EXT = urls.extension("acknowledged-bundle")
GENERATED_EXT = urls.extension("generated-issue")
ACK_ERROR = urls.code_system("ack-error")
PROBLEM_CODE = urls.code_system("problem-code")
REASON_CODE = urls.code_system("reason-code")
NIL_ID = "00000000-0000-0000-0000-000000000000"
_ISSUE_TYPE: dict[str, str] = {"ok": "informational", "transient-error": "transient",
                               "fatal-error": "invalid"}


class _Request:
    """What an acknowledgement needs from the request, read as far as it can be."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        root = Node(bundle, "Bundle")
        self.bundle_id = _try(lambda: root.req("id").text())
        self.index = _try(lambda: BundleIndex(root))
        header = _try(lambda: self.index.entries[0].req("resource")) if self.index else None
        self.header = header
        self.header_id = _try(lambda: header.req("id").text()) if header else None
        self.source = _try(lambda: header.req("source").req("endpoint").text()) if header else None
        self.sender = self._org(lambda h: h.req("sender"))
        self.receiver = self._org(lambda h: h.first("destination").req("receiver"))

    def _org(self, ref: Any) -> dict[str, Any] | None:
        if self.header is None or self.index is None:
            return None
        index, header = self.index, self.header
        node = _try(lambda: index.resolve(ref(header), "Organization"))
        return None if node is None else dict(node.value)


def _try(read: Any) -> Any:
    try:
        return read()
    except (ReadError, IndexError, AttributeError):
        return None


def _strip_id(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "id"}


def _issue_coding(problem: Problem, code: AckCode) -> list[dict[str, str]]:
    if problem.code in defined_codes(ACK_ERROR):
        return [coding("ack-error", problem.code)]
    if code == "transient-error":
        category = "TRANSIENT"
    elif problem.code.startswith(("fhir_", "ssd-")):
        category = "MESSAGE_INVALID"
    else:
        category = "RECORD_INVALID"
    return [coding("ack-error", category), {"system": PROBLEM_CODE, "code": problem.code}]


def _translated(danish: str, english: str) -> dict[str, Any]:
    return {"text": danish, "_text": {"extension": [{"url": urls.TRANSLATION, "extension": [
        {"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": english}]}]}}


def _issue(problem: Problem, code: AckCode) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": _ISSUE_TYPE[code],
                             "details": {"coding": _issue_coding(problem, code),
                                         **_translated(problem.message_da, problem.message_en)},
                             "diagnostics": problem.message_en}
    if problem.path:
        issue["expression"] = [problem.path]
    return issue


def _warning(text: str) -> dict[str, Any]:
    codings = [coding("ack-error", "WARNING")]
    if text in defined_codes(REASON_CODE):
        codings.append(coding("reason-code", text))
    return {"severity": "warning", "code": "informational",
            "details": {"coding": codings}, "diagnostics": text}


def _generated(code: AckCode) -> dict[str, Any]:
    category = "TRANSIENT" if code == "transient-error" else "MESSAGE_INVALID"
    concept = coding("ack-error", category)
    return {"extension": [{"url": GENERATED_EXT, "valueBoolean": True}],
            "severity": "error", "code": _ISSUE_TYPE[code],
            "details": {"coding": [concept], "text": concept["display"]}}


def make_acknowledgement(request_bundle: dict[str, Any], code: AckCode,
                         issues: Sequence[Problem] = (), warnings: Sequence[str] = (), *,
                         sender: Party | None = None, bundle_id: str | None = None,
                         timestamp: datetime | None = None) -> dict[str, Any]:
    """Return the acknowledgement message Bundle answering ``request_bundle`` with ``code``.

    The acknowledging Organization is the request's receiver unless ``sender`` is given (for
    a request too broken to name one).
    """
    if code not in get_args(AckCode):
        raise ValueError(f"unknown acknowledgement code {code!r}")
    request = _Request(request_bundle)
    ack_org = party_organization(sender) if sender is not None else request.receiver
    if ack_org is None:
        raise RecordInvalid([Problem("Bundle.entry[0].resource.destination[0].receiver",
                                     "fhir_unresolved", "modtageren kan ikke læses; angiv "
                                     "afsender", "the receiver cannot be read; give a sender")])
    timestamp = timestamp or datetime.now(UTC)
    answered = request.header_id or NIL_ID
    header_id = str(uuid.uuid5(NAMESPACE, f"ack:{answered}:{request.bundle_id}"))
    entries: list[dict[str, Any]] = []

    def add(resource: dict[str, Any], key: str) -> str:
        rid = str(uuid.uuid5(NAMESPACE, f"{header_id}:{key}"))
        entries.append({"fullUrl": f"urn:uuid:{rid}",
                        "resource": {"resourceType": resource["resourceType"], "id": rid,
                                     **_strip_id(resource)}})
        return f"urn:uuid:{rid}"

    header_url = f"urn:uuid:{header_id}"
    outcome_issues = [_issue(p, code) for p in issues] + [_warning(w) for w in warnings]
    if code != "ok" and not issues:
        outcome_issues.insert(0, _generated(code))
    outcome = add({"resourceType": "OperationOutcome", "issue": outcome_issues},
                  "outcome") if outcome_issues else None
    org_url = add(ack_org, "sender")
    destination: dict[str, Any] = {
        "extension": [{"url": urls.MEDCOM_DESTINATION_USE_EXT, "valueCoding": {
            "system": urls.MEDCOM_DESTINATION_USE, "code": "primary"}}],
        "endpoint": request.source or "urn:ssd-gateway:endpoint:unknown"}
    if request.sender is not None:
        destination["receiver"] = reference(add(request.sender, "receiver"))
    add({"resourceType": "Provenance", "target": [reference(header_url)],
         "occurredDateTime": fhir_datetime(timestamp), "recorded": fhir_datetime(timestamp),
         "activity": {"coding": [{"system": urls.MEDCOM_ACTIVITY, "code": "new-message"}]},
         "agent": [{"who": reference(org_url)}]}, "provenance")
    response: dict[str, Any] = {"identifier": answered, "code": code}
    if request.bundle_id is not None:
        response["extension"] = [{"url": ACKED_BUNDLE_EXT, "valueString": request.bundle_id}]
    if outcome is not None:
        response["details"] = reference(outcome)
    header = {
        "resourceType": "MessageHeader", "id": header_id,
        "text": narrative("Kvittering / acknowledgement", f"MessageHeader.id {header_id}",
                          f"Svar på / response to {answered}: {code}"),
        "eventCoding": coding("event-code", "acknowledgement"),
        "destination": [destination], "sender": reference(org_url),
        "source": {"endpoint": _source_endpoint(sender, request)}, "response": response,
    }
    bundle_id = bundle_id or str(uuid.uuid4())
    return {"resourceType": "Bundle", "id": bundle_id, "type": "message",
            "timestamp": fhir_datetime(timestamp),
            "entry": [{"fullUrl": header_url, "resource": header}, *entries]}


def _source_endpoint(sender: Party | None, request: _Request) -> str:
    if sender is not None:
        return endpoint(sender.org_id)
    if request.header is not None:
        found = _try(lambda: request.header.first("destination").req("endpoint").text())
        if isinstance(found, str):
            return found
    return "urn:ssd-gateway:endpoint:unknown"


def read_acknowledgement(bundle: dict[str, Any]) -> Acknowledgement:
    """Return the Acknowledgement an acknowledgement Bundle carries; raise RecordInvalid."""
    try:
        return _read(Node(bundle, "Bundle"), bundle)
    except ReadError as exc:
        raise RecordInvalid([Problem(exc.path, exc.code, exc.message_da, exc.message_en)]) from None


def _read(root: Node, bundle: dict[str, Any]) -> Acknowledgement:
    index = BundleIndex(root)
    if not index.entries:
        raise ReadError(f"{root.path}.entry", "fhir_missing", "the Bundle has no entries",
                        "bundtet er tomt")
    header = index.entries[0].req("resource")
    event = header.req("eventCoding")
    if event.req("system").value != EVENT_SYSTEM or event.req("code").value != "acknowledgement":
        raise unexpected(f"{event.path}.code", "acknowledgement")
    response = header.req("response")
    code = response.req("code")
    if code.value not in get_args(AckCode):
        raise unexpected(code.path, " or ".join(get_args(AckCode)))
    issues: list[Problem] = []
    warnings: list[str] = []
    if (details := response.get("details")) is not None:
        for issue in index.resolve(details, "OperationOutcome").items("issue"):
            _read_issue(issue, issues, warnings)
    acked = response.extension(ACKED_BUNDLE_EXT)
    return Acknowledgement(
        code=code.value, message_id=response.req("identifier").text(),
        bundle_id=acked.req("valueString").text() if acked is not None else "",
        issues=tuple(issues), warnings=tuple(warnings),
        body=json.dumps(bundle, ensure_ascii=False).encode())


def _read_issue(issue: Node, issues: list[Problem], warnings: list[str]) -> None:
    if issue.extension(GENERATED_EXT) is not None:
        return
    if issue.req("severity").value in ("warning", "information"):
        warnings.append(issue.req("diagnostics").text())
        return
    details = issue.req("details")
    codes = {c.req("system").value: c.req("code").text() for c in details.items("coding")}
    expressions = issue.items("expression")
    english = issue.get("diagnostics")
    issues.append(Problem(
        path=expressions[0].text() if expressions else "",
        code=codes.get(PROBLEM_CODE) or codes.get(ACK_ERROR) or "",
        message_da=details.req_str("text"),
        message_en=english.text() if english is not None else details.req_str("text")))

"""MedCom-style acknowledgements: shape, OperationOutcome, and a lossless read-back."""

from __future__ import annotations

from typing import Any

import pytest

from ssd_gateway.exceptions import Problem, RecordInvalid
from ssd_gateway.fhir import make_acknowledgement, read_acknowledgement, validate_bundle
from ssd_gateway.model import Message
from tests.fhir.conftest import resources

PROBLEMS = (Problem("Bundle.entry[1].resource.status", "fhir_missing", "mangler", "missing"),
            Problem("record.child.id", "not_cpr_format", "CPR forkert", "CPR wrong"),
            Problem("", "PEER_REFUSED", "ukendt afsender", "unknown sender"))


def _header(bundle: dict[str, Any]) -> dict[str, Any]:
    return bundle["entry"][0]["resource"]


@pytest.mark.parametrize("code", ["ok", "transient-error", "fatal-error"])
def test_response_quotes_the_request_header(code: Any,
                                            bundles: dict[str, dict[str, Any]]) -> None:
    """response.identifier is the request's MessageHeader.id and response.code the outcome."""
    request = bundles["underretning"]
    ack = make_acknowledgement(request, code)
    response = _header(ack)["response"]
    assert response["identifier"] == _header(request)["id"]
    assert response["code"] == code
    assert validate_bundle(ack) == []


def test_ack_goes_back_from_receiver_to_sender(bundles: dict[str, dict[str, Any]]) -> None:
    """The ack's sender is the request's receiver Organization and vice versa."""
    request = bundles["underretning"]
    ack = make_acknowledgement(request, "ok")
    by_url = {e["fullUrl"]: e["resource"] for e in ack["entry"]}
    sender = by_url[_header(ack)["sender"]["reference"]]
    receiver = by_url[_header(ack)["destination"][0]["receiver"]["reference"]]
    assert sender["name"] == "Børne- og Familieafdelingen København"
    assert receiver["name"] == "Valby Skole"
    assert _header(ack)["destination"][0]["endpoint"] == _header(request)["source"]["endpoint"]


def test_ok_without_warnings_has_no_operation_outcome(
        bundles: dict[str, dict[str, Any]]) -> None:
    """A plain ok carries no OperationOutcome; an error without issues still carries one."""
    assert resources(make_acknowledgement(bundles["consent"], "ok"), "OperationOutcome") == []
    fatal = make_acknowledgement(bundles["consent"], "fatal-error")
    [outcome] = resources(fatal, "OperationOutcome")
    assert outcome["issue"][0]["details"]["coding"][0]["code"] == "MESSAGE_INVALID"
    assert read_acknowledgement(fatal).issues == ()


def test_issues_carry_codes_paths_and_both_languages(
        bundles: dict[str, dict[str, Any]]) -> None:
    """Each Problem becomes an issue with project codes, its path, Danish and English text."""
    ack = make_acknowledgement(bundles["consent"], "fatal-error", PROBLEMS)
    issue = resources(ack, "OperationOutcome")[0]["issue"][1]
    assert [c["code"] for c in issue["details"]["coding"]] == ["RECORD_INVALID",
                                                              "not_cpr_format"]
    assert issue["expression"] == ["record.child.id"]
    assert issue["details"]["text"] == "CPR forkert" and issue["diagnostics"] == "CPR wrong"


@pytest.mark.parametrize("code", ["ok", "transient-error", "fatal-error"])
def test_read_back_is_lossless(code: Any, bundles: dict[str, dict[str, Any]],
                               messages: dict[str, Message]) -> None:
    """read_acknowledgement returns the code, ids, issues and warnings that were written."""
    request = bundles["stafetlog"]
    warnings = ("CONSENT_EXPIRES_SOON", "frit tekst")
    ack = read_acknowledgement(make_acknowledgement(request, code, PROBLEMS, warnings))
    assert (ack.code, ack.issues, ack.warnings) == (code, PROBLEMS, warnings)
    assert ack.message_id == _header(request)["id"]
    assert ack.bundle_id == request["id"]


def test_same_request_gives_the_same_ack_header(bundles: dict[str, dict[str, Any]]) -> None:
    """Acknowledging the same Bundle twice yields the same MessageHeader.id (duplicate-safe)."""
    one, two = (make_acknowledgement(bundles["feedback"], "ok") for _ in range(2))
    assert _header(one)["id"] == _header(two)["id"] and one["id"] != two["id"]


def test_unknown_code_is_refused(bundles: dict[str, dict[str, Any]]) -> None:
    """Only ok, transient-error and fatal-error exist."""
    with pytest.raises(ValueError, match="acknowledgement code"):
        make_acknowledgement(bundles["consent"], "maybe")  # type: ignore[arg-type]


def test_unreadable_request_needs_an_explicit_sender(messages: dict[str, Message]) -> None:
    """Garbage can still be answered, but only when the acknowledging party is given."""
    with pytest.raises(RecordInvalid):
        make_acknowledgement({"garbage": True}, "fatal-error")
    ack = make_acknowledgement({"garbage": True}, "fatal-error",
                               sender=messages["consent"].recipient)
    assert read_acknowledgement(ack).code == "fatal-error"


def test_reading_a_non_ack_is_refused(bundles: dict[str, dict[str, Any]]) -> None:
    """A normal message Bundle is not an acknowledgement."""
    with pytest.raises(RecordInvalid) as info:
        read_acknowledgement(bundles["consent"])
    assert info.value.problems[0].path == "Bundle.entry[0].resource.eventCoding.code"

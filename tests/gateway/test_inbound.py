"""The receiving gateway: duplicates, unreadable messages, the inbound policy check."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from ssd_gateway.contracts import Acknowledgement, OutboundMessage
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.fhir import message_header_id, message_to_bundle
from ssd_gateway.gateway import received
from ssd_gateway.gateway.delivery_runtime import runtime_for
from ssd_gateway.model import parse_message
from ssd_gateway.signing import sign_bundle, sign_xml
from ssd_gateway.xml import message_to_xml
from tests.gateway.conftest import DAYCARE, SCHOOL, SOCIAL, Federation


@pytest.fixture
def fed(federation: Federation) -> Federation:
    """The running federation."""
    return federation


def send(fed: Federation, org: str, peer: str, fmt: str, body: bytes, message_id: str,
         bundle_id: str) -> Acknowledgement:
    """Post ``body`` from ``org`` to ``peer`` with the real mTLS client."""
    transport = runtime_for(fed.gateway(org)).transport
    return transport.send(OutboundMessage(f"t-{uuid.uuid4()}", peer, fmt,  # type: ignore[arg-type]
                                          body, message_id, bundle_id))


def signed_bundle(fed: Federation, org: str, data: dict[str, Any],
                  bundle_id: str | None = None) -> tuple[bytes, str, str]:
    """A signed FHIR Bundle of ``data`` from ``org`` (no policy check on the way)."""
    message = parse_message(data)
    bundle = sign_bundle(message_to_bundle(message, bundle_id=bundle_id),
                         fed.gateway(org).key)
    return (json.dumps(bundle).encode(), message_header_id(message.message_id), bundle["id"])


def inbound_count(fed: Federation, org: str, **where: Any) -> int:
    """How many received messages ``org`` stored matching ``where``."""
    with fed.gateway(org).sessions() as session:
        query = select(func.count()).select_from(received.InboundRow).filter_by(**where)
        return int(session.scalar(query) or 0)


def test_duplicate_delivery_returns_the_original_ack_and_stores_nothing(
    fed: Federation,
) -> None:
    """Sending the very same signed Bundle again gets the original answer, stored once."""
    view = fed.submit(DAYCARE, fed.message("stafetlog"))
    assert fed.wait(DAYCARE, view.id) == "acked"
    with fed.gateway(DAYCARE).sessions() as session:
        row = session.get(Transfer, view.id)
        assert row is not None and row.body is not None
        body, message_id, bundle_id = row.body, row.message_id, row.bundle_id
    before = inbound_count(fed, SCHOOL)
    again = send(fed, DAYCARE, SCHOOL, "fhir", body, message_id, bundle_id)
    assert again.code == "ok" and again.bundle_id == bundle_id
    assert inbound_count(fed, SCHOOL) == before


def test_reused_bundle_id_with_a_new_message_is_refused(fed: Federation) -> None:
    """A Bundle.id already used for another message is answered fatal-error, not processed."""
    first = fed.message("stafetlog")
    body, message_id, bundle_id = signed_bundle(fed, DAYCARE, first)
    assert send(fed, DAYCARE, SCHOOL, "fhir", body, message_id, bundle_id).code == "ok"
    second = fed.message("stafetlog")
    body2, message_id2, _ = signed_bundle(fed, DAYCARE, second, bundle_id=bundle_id)
    ack = send(fed, DAYCARE, SCHOOL, "fhir", body2, message_id2, bundle_id)
    assert ack.code == "fatal-error"
    assert [p.code for p in ack.issues] == ["BUNDLE_ID_REUSED"]


def test_malformed_underretning_is_accepted_for_manual_review(fed: Federation) -> None:
    """An underretning that fails the schema is answered ok with a warning and kept for a person."""
    data = fed.message("underretning")
    good = message_to_xml(parse_message(data), envelope_id="e-" + str(uuid.uuid4()))
    broken = good.replace(b"<und:background>general_wellbeing</und:background>",
                          b"<und:background>ukendt</und:background>")
    assert broken != good
    signed = sign_xml(broken, fed.gateway(SCHOOL).key)
    envelope_id = good.split(b'envelope_id="')[1].split(b'"')[0].decode()
    before = inbound_count(fed, SOCIAL, status=received.MANUAL_REVIEW)
    ack = send(fed, SCHOOL, SOCIAL, "xml", signed, data["message_id"], envelope_id)
    assert ack.code == "ok" and ack.warnings == ("UNDERRETNING_MANUAL_REVIEW",)
    assert inbound_count(fed, SOCIAL, status=received.MANUAL_REVIEW) == before + 1


def test_malformed_stafetlog_is_quarantined_and_refused(fed: Federation) -> None:
    """A Bundle the mapper cannot read is kept in quarantine with its reason, fatal-error."""
    body, message_id, bundle_id = signed_bundle(fed, DAYCARE, fed.message("stafetlog"))
    bundle = json.loads(body)
    bundle.pop("signature")
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "CarePlan":
            entry["resource"]["status"] = "not-a-status"
    resigned = json.dumps(sign_bundle(bundle, fed.gateway(DAYCARE).key)).encode()
    before = fed.gateway(SCHOOL).quarantine.count()
    ack = send(fed, DAYCARE, SCHOOL, "fhir", resigned, message_id, bundle_id)
    assert ack.code == "fatal-error" and ack.issues
    assert fed.gateway(SCHOOL).quarantine.count() == before + 1


def test_inbound_policy_check_refuses_before_storing(fed: Federation) -> None:
    """A stafetlog the social authority has no basis to receive is refused with reason codes."""
    data = fed.message("stafetlog", recipient=fed.message("underretning")["recipient"])
    body, message_id, bundle_id = signed_bundle(fed, DAYCARE, data)
    before = inbound_count(fed, SOCIAL, kind="stafetlog")
    ack = send(fed, DAYCARE, SOCIAL, "fhir", body, message_id, bundle_id)
    assert ack.code == "fatal-error"
    assert "CONSENT_MISSING" in [p.code for p in ack.issues]
    assert inbound_count(fed, SOCIAL, kind="stafetlog") == before


def test_message_for_another_organisation_is_refused(fed: Federation) -> None:
    """A message addressed to the school but posted to the social authority is refused."""
    body, message_id, bundle_id = signed_bundle(fed, DAYCARE, fed.message("stafetlog"))
    ack = send(fed, DAYCARE, SOCIAL, "fhir", body, message_id, bundle_id)
    assert ack.code == "fatal-error"
    assert [p.code for p in ack.issues] == ["MESSAGE_WRONG_RECIPIENT"]

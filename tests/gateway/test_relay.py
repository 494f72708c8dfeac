"""The stafetlog relay across gateways: the holder changes only once acceptance has travelled."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ssd_gateway.api.errors import Conflict
from ssd_gateway.api.schemas import HandoverAnswerBody, HandoverOfferBody
from ssd_gateway.gateway.envelope import envelope_for
from ssd_gateway.gateway.inbox import GatewayInbox
from ssd_gateway.gateway.outbound import render_signed
from ssd_gateway.model import HandoverState, StafetlogHandoverOffer
from ssd_gateway.registry import stafetlog_state
from ssd_gateway.registry.tables import StafetlogRecord
from tests.gateway.conftest import DAYCARE, HEALTH, SCHOOL, Federation


def holder(fed: Federation, org: str, log_id: str) -> str | None:
    """The stafetholder of ``log_id`` as ``org``'s registry has it."""
    with fed.gateway(org).sessions() as session:
        return stafetlog_state(session, log_id).get("holder_org_id")


def new_log(fed: Federation) -> str:
    """A fresh stafetlog held by the daycare and shared with the school; return its id."""
    data = fed.message("stafetlog")
    log_id = "log-" + data["message_id"][-12:]
    data["record"]["id"] = log_id
    view = fed.submit(DAYCARE, data)
    assert fed.wait(DAYCARE, view.id) == "acked"
    return log_id


def offer(fed: Federation, log_id: str, to: str) -> dict[str, str]:
    """The daycare offers ``log_id`` to ``to``."""
    return fed.services(DAYCARE).offer_handover(log_id, HandoverOfferBody(to_org_id=to),
                                                fed.who(DAYCARE))


@pytest.fixture
def fed(federation: Federation) -> Federation:
    """The running federation."""
    return federation


def test_accepted_offer_moves_the_holder_on_both_sides(fed: Federation) -> None:
    """Offer, accept: both registries name the school, and only after the answer arrived."""
    log_id = new_log(fed)
    made = offer(fed, log_id, SCHOOL)
    assert fed.wait(DAYCARE, made["transfer_id"]) == "acked"
    assert holder(fed, DAYCARE, log_id) == DAYCARE and holder(fed, SCHOOL, log_id) == DAYCARE
    answer = fed.services(SCHOOL).answer_handover(
        made["offer_id"], True, HandoverAnswerBody(person_id="p-karen"), fed.who(SCHOOL))
    assert fed.wait(SCHOOL, answer["transfer_id"]) == "acked"
    assert holder(fed, DAYCARE, log_id) == SCHOOL and holder(fed, SCHOOL, log_id) == SCHOOL


def test_refused_offer_changes_nothing(fed: Federation) -> None:
    """A refusal travels back; the daycare stays holder on both sides."""
    log_id = new_log(fed)
    made = offer(fed, log_id, SCHOOL)
    assert fed.wait(DAYCARE, made["transfer_id"]) == "acked"
    answer = fed.services(SCHOOL).answer_handover(
        made["offer_id"], False, HandoverAnswerBody(person_id="p-karen"), fed.who(SCHOOL))
    assert fed.wait(SCHOOL, answer["transfer_id"]) == "acked"
    assert holder(fed, DAYCARE, log_id) == DAYCARE and holder(fed, SCHOOL, log_id) == DAYCARE


def test_offer_to_an_offline_receiver_leaves_the_holder_and_can_be_withdrawn(
    fed: Federation,
) -> None:
    """While the health visitor's gateway is down the offer waits; withdrawing cancels it."""
    log_id = new_log(fed)
    made = offer(fed, log_id, HEALTH)
    assert fed.wait(DAYCARE, made["transfer_id"], states=("transient_error",)) == \
        "transient_error"
    assert holder(fed, DAYCARE, log_id) == DAYCARE
    fed.services(DAYCARE).withdraw_handover(made["offer_id"], fed.who(DAYCARE))
    assert fed.wait(DAYCARE, made["transfer_id"]) == "cancelled"
    assert holder(fed, DAYCARE, log_id) == DAYCARE


def test_two_competing_offers_cannot_both_succeed(fed: Federation) -> None:
    """After a second offer replaces the first, accepting the first fails; the holder stays."""
    log_id = new_log(fed)
    first = offer(fed, log_id, SCHOOL)
    assert fed.wait(DAYCARE, first["transfer_id"]) == "acked"
    offer(fed, log_id, HEALTH)
    answer = fed.services(SCHOOL).answer_handover(
        first["offer_id"], True, HandoverAnswerBody(person_id="p-karen"), fed.who(SCHOOL))
    assert fed.wait(SCHOOL, answer["transfer_id"]) == "dead"
    assert holder(fed, DAYCARE, log_id) == DAYCARE and holder(fed, SCHOOL, log_id) == DAYCARE


def test_only_the_holder_may_offer(fed: Federation) -> None:
    """The school, not holder, cannot offer the daycare's log (STA-1), nothing is sent."""
    log_id = new_log(fed)
    made = fed.services(SCHOOL).offer_handover(log_id, HandoverOfferBody(to_org_id=DAYCARE),
                                               fed.who(SCHOOL))
    assert made["state"] == "denied"
    assert "HANDOVER_NOT_HOLDER" in [r["code"] for r in made["decision"]["reasons"]]


def pending_offer(fed: Federation, org: str, log_id: str) -> str | None:
    """The organisation ``org``'s registry has ``log_id`` on offer to, if any."""
    with fed.gateway(org).sessions() as session:
        record = session.get(StafetlogRecord, log_id)
        return record.offered_to_org_id if record is not None else None


def test_a_delivered_offer_withdrawn_cannot_be_accepted(fed: Federation) -> None:
    """Withdrawn after delivery: a notice travels, the school's offer closes, accepting it is
    refused at once (409), and both sides keep the daycare as holder."""
    log_id = new_log(fed)
    made = offer(fed, log_id, SCHOOL)
    assert fed.wait(DAYCARE, made["transfer_id"]) == "acked"
    assert pending_offer(fed, SCHOOL, log_id) == SCHOOL
    done = fed.services(DAYCARE).withdraw_handover(made["offer_id"], fed.who(DAYCARE))
    assert done["cancelled"] is False and done["notice_transfer_id"]
    assert fed.wait(DAYCARE, done["notice_transfer_id"]) == "acked"
    assert pending_offer(fed, SCHOOL, log_id) is None
    with pytest.raises(Conflict) as refused:
        fed.services(SCHOOL).answer_handover(
            made["offer_id"], True, HandoverAnswerBody(person_id="p-karen"), fed.who(SCHOOL))
    assert refused.value.code == "HANDOVER_NOT_OPEN"
    assert holder(fed, DAYCARE, log_id) == DAYCARE and holder(fed, SCHOOL, log_id) == DAYCARE


def _deliver(fed: Federation, record: StafetlogHandoverOffer) -> str:
    """Hand the daycare's ``record`` to the school's inbox directly (any order we like)."""
    daycare, school = fed.gateway(DAYCARE), fed.gateway(SCHOOL)
    message = envelope_for(record, daycare.party, daycare.peer_party(SCHOOL))
    body = render_signed(message, "fhir", daycare.key).body
    return GatewayInbox(school).receive(school.directory.get(DAYCARE), "fhir", body).code


def _offer_record(fed: Federation, log_id: str) -> StafetlogHandoverOffer:
    with fed.gateway(DAYCARE).sessions() as session:
        child_id = session.get(StafetlogRecord, log_id).child_id  # type: ignore[union-attr]
    return StafetlogHandoverOffer(
        id=f"offer-{uuid.uuid4()}", stafetlog_id=log_id, child_id=child_id,
        from_org_id=DAYCARE, to_org_id=SCHOOL, offered_at=datetime.now(UTC))


def _withdrawn(record: StafetlogHandoverOffer) -> StafetlogHandoverOffer:
    return record.model_copy(update={"state": HandoverState.WITHDRAWN,
                                     "decided_at": datetime.now(UTC)})


def test_a_withdrawal_overtaking_its_offer_keeps_it_closed(fed: Federation) -> None:
    """The notice arrives first: the late offer is not recorded as open, nor accepted."""
    log_id = new_log(fed)
    record = _offer_record(fed, log_id)
    assert _deliver(fed, _withdrawn(record)) == "ok"
    assert _deliver(fed, record) == "ok"
    assert pending_offer(fed, SCHOOL, log_id) is None
    with pytest.raises(Conflict):
        fed.services(SCHOOL).answer_handover(
            record.id, True, HandoverAnswerBody(person_id="p-karen"), fed.who(SCHOOL))


def test_a_late_withdrawal_leaves_a_newer_offer_open(fed: Federation) -> None:
    """Offer A, offer B, then A's notice: B stays on offer to the school and can be taken."""
    log_id = new_log(fed)
    first, second = _offer_record(fed, log_id), _offer_record(fed, log_id)
    assert _deliver(fed, first) == "ok"
    assert _deliver(fed, second) == "ok"
    assert _deliver(fed, _withdrawn(first)) == "ok"
    assert pending_offer(fed, SCHOOL, log_id) == SCHOOL
    with pytest.raises(Conflict):
        fed.services(SCHOOL).answer_handover(
            first.id, True, HandoverAnswerBody(person_id="p-karen"), fed.who(SCHOOL))

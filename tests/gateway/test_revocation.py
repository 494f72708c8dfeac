"""Revoking a consent stops every undelivered transfer and tells earlier recipients."""

from __future__ import annotations

import time
import uuid

from ssd_gateway.registry import list_consents
from tests.gateway.conftest import DAYCARE, HEALTH, SCHOOL, Federation


def test_revocation_cancels_waiting_transfers_and_notifies_the_school(
    federation: Federation,
) -> None:
    """A transfer waiting for the offline health visitor is cancelled; the school's copy is
    revoked by the signed notice; the next decision refuses with CONSENT_REVOKED."""
    fed = federation
    consent_id = f"samtykke-{uuid.uuid4().hex[:8]}"
    data = fed.message("consent")
    data["record"]["id"] = data["consent_id"] = consent_id
    shared = {k: v for k, v in data["record"].items() if k != "kind"}
    fed.services(DAYCARE).register_consent(shared, fed.who(DAYCARE))
    assert fed.wait(DAYCARE, fed.submit(DAYCARE, data).id) == "acked"
    waiting = fed.message("stafetlog", consent_id=consent_id,
                          recipient=fed.message("ssd_exchange")["sender"])
    assert waiting["recipient"]["org_id"] == HEALTH
    view = fed.submit(DAYCARE, waiting)
    assert fed.wait(DAYCARE, view.id, states=("transient_error",)) == "transient_error"

    result = fed.services(DAYCARE).revoke_consent(consent_id, None, fed.who(DAYCARE))

    assert view.id in result["cancelled"] and SCHOOL in result["notified"]
    assert fed.wait(DAYCARE, view.id) == "cancelled"
    deadline = time.monotonic() + 45
    revoked_at = None
    while revoked_at is None and time.monotonic() < deadline:
        with fed.gateway(SCHOOL).sessions() as session:
            mine = [c for c in list_consents(session, data["record"]["child_id"])
                    if c["id"] == consent_id]
        revoked_at = mine[0].get("revoked_at") if mine else None
        time.sleep(0.2)
    assert revoked_at is not None
    again = fed.submit(DAYCARE, fed.message("stafetlog", consent_id=consent_id))
    assert again.state == "denied"
    assert "CONSENT_REVOKED" in [r["code"] for r in again.reasons]


def test_a_revocation_from_an_organisation_the_consent_does_not_cover_is_refused(
    federation: Federation,
) -> None:
    """The social authority (not a party) cannot revoke the school's copy of the consent."""
    import json

    from ssd_gateway.contracts import OutboundMessage
    from ssd_gateway.fhir import message_header_id, message_to_bundle
    from ssd_gateway.gateway.delivery_runtime import runtime_for
    from ssd_gateway.model import parse_message
    from ssd_gateway.signing import sign_bundle
    from tests.gateway.conftest import SOCIAL

    fed = federation
    data = fed.message("consent", sender=fed.message("underretning")["recipient"],
                       recipient=fed.message("underretning")["sender"])
    assert data["sender"]["org_id"] == SOCIAL and data["recipient"]["org_id"] == SCHOOL
    data["record"]["revoked_at"] = "2026-01-01T00:00:00+00:00"
    message = parse_message(data)
    bundle = sign_bundle(message_to_bundle(message), fed.gateway(SOCIAL).key)
    ack = runtime_for(fed.gateway(SOCIAL)).transport.send(OutboundMessage(
        "t-x", SCHOOL, "fhir", json.dumps(bundle).encode(),
        message_header_id(message.message_id), bundle["id"]))
    assert ack.code == "fatal-error"
    assert [p.code for p in ack.issues] == ["REVOCATION_NOT_A_PARTY"]
    with fed.gateway(SCHOOL).sessions() as session:
        mine = [c for c in list_consents(session, data["record"]["child_id"])
                if c["id"] == data["record"]["id"]]
    assert mine and mine[0].get("revoked_at") is None

"""The sending gateway: a consent message is decided with the consent it carries."""

from __future__ import annotations

import uuid

from ssd_gateway.registry import list_consents
from tests.gateway.conftest import DAYCARE, SCHOOL, Federation


def test_a_new_consent_sent_as_a_message_is_registered_on_both_sides(
    federation: Federation,
) -> None:
    """A consent the daycare never registered travels on its own terms and lands at both ends."""
    fed = federation
    data = fed.message("consent")
    consent_id = f"samtykke-{uuid.uuid4().hex[:8]}"
    data["record"]["id"] = data["consent_id"] = consent_id
    view = fed.submit(DAYCARE, data)
    assert view.decision == "permit", view.reasons
    assert fed.wait(DAYCARE, view.id) == "acked"
    child_id = data["record"]["child_id"]
    for org in (DAYCARE, SCHOOL):
        with fed.gateway(org).sessions() as session:
            assert consent_id in {c["id"] for c in list_consents(session, child_id)}

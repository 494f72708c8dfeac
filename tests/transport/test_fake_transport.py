"""The in-memory FakeTransport others test against."""

from __future__ import annotations

import pytest

from ssd_gateway.contracts import Acknowledgement, OutboundMessage, Transport
from ssd_gateway.exceptions import RecoverableDeliveryError
from ssd_gateway.testing import FakeTransport


def msg(peer: str = "skole") -> OutboundMessage:
    return OutboundMessage("t-1", peer, "fhir", b"{}", "m-1", "b-1")


def test_records_and_answers_ok_by_default() -> None:
    """Without a script every send is acknowledged ok and recorded."""
    fake: Transport = FakeTransport()
    assert fake.send(msg()).code == "ok"
    assert isinstance(fake, FakeTransport) and fake.sent == [msg()]


def test_scripted_errors_and_acks_in_order() -> None:
    """Scripted answers are used in order, errors raised, then ok again."""
    fake = FakeTransport()
    fake.answer(RecoverableDeliveryError("down"), Acknowledgement("fatal-error", "m-1", "b-1"))
    with pytest.raises(RecoverableDeliveryError):
        fake.send(msg())
    assert fake.send(msg()).code == "fatal-error"
    assert fake.send(msg()).code == "ok"
    assert len(fake.sent) == 3


def test_per_peer_script() -> None:
    """Answers can be scripted for one peer only."""
    fake = FakeTransport()
    fake.answer(RecoverableDeliveryError("down"), peer_org_id="dagtilbud")
    assert fake.send(msg("skole")).code == "ok"
    with pytest.raises(RecoverableDeliveryError):
        fake.send(msg("dagtilbud"))

"""Retention deletes old message bodies, keeps rows and manual-review bodies, and the evidence
log still verifies (runs last in this package: it removes the bodies earlier tests used)."""

from __future__ import annotations

from sqlalchemy import func, select

from ssd_gateway.audit.verify import verify_session
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.gateway import received
from ssd_gateway.gateway.retention import apply_retention
from tests.gateway.conftest import DAYCARE, SCHOOL, SOCIAL, Federation


def _bodies(fed: Federation, org: str) -> tuple[int, int, int]:
    """(outbox rows with a body, received rows with a body, manual-review rows with a body)."""
    with fed.gateway(org).sessions() as session:
        sent = session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.state == "acked", Transfer.body.is_not(None)))
        got = session.scalar(select(func.count()).select_from(received.InboundRow).where(
            received.InboundRow.body.is_not(None)))
        review = session.scalar(select(func.count()).select_from(received.InboundRow).where(
            received.InboundRow.status == received.MANUAL_REVIEW,
            received.InboundRow.body.is_not(None)))
    return int(sent or 0), int(got or 0), int(review or 0)


def test_retention_removes_bodies_keeps_evidence(federation: Federation) -> None:
    """With zero days kept, acked and accepted bodies go; manual review keeps its bodies."""
    fed = federation
    sent_before = _bodies(fed, DAYCARE)[0]
    got_before = _bodies(fed, SCHOOL)[1]
    review_before = _bodies(fed, SOCIAL)[2]
    assert sent_before > 0 and got_before > 0 and review_before > 0
    runs = {org: apply_retention(fed.gateway(org), days=0) for org in (DAYCARE, SCHOOL, SOCIAL)}
    assert runs[DAYCARE].sent == sent_before and runs[SCHOOL].received == got_before
    assert runs[SOCIAL].received == 0
    assert _bodies(fed, DAYCARE)[0] == 0 and _bodies(fed, SCHOOL)[1] == 0
    assert _bodies(fed, SOCIAL)[2] == review_before
    for org in (DAYCARE, SCHOOL, SOCIAL):
        gateway = fed.gateway(org)
        with gateway.sessions() as session:
            assert verify_session(session, gateway.key.cert).ok

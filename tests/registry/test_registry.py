"""Registries: consents, the §49a ledger and stafetlog holders, and decisions on their state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from ssd_gateway.db import Base, make_engine, make_sessionmaker
from ssd_gateway.exceptions import NotFound, RecordInvalid
from ssd_gateway.registry import (
    StafetlogStateError,
    accept_handover,
    close_stafetlog,
    decide_with_registry,
    drop_offer,
    expire_consents,
    list_consents,
    meeting_history,
    offer_handover,
    open_stafetlog,
    register_consent,
    revoke_consent,
    stafetlog_state,
)
from tests.policy.builders import DAYCARE, SCHOOL, consent, request, ssd

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: object) -> Iterator[Session]:
    """A session on a fresh SQLite registry."""
    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


def _bare(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k not in ("consents", "ssd_history")}


def test_register_and_list(session: Session) -> None:
    """A registered consent comes back in the contract's shape, for its child only."""
    register_consent(session, consent())
    register_consent(session, consent(id="c2", child_id="1105124321"))
    listed = list_consents(session, "020315-4321")
    assert [c["id"] for c in listed] == ["c1"]
    assert listed[0]["parties"] == consent()["parties"] and listed[0]["revoked_at"] is None


def test_listed_consent_is_normalised(session: Session) -> None:
    """The stored document is the contract's shape: dashless child id, UTC revocation, defaults.

    Keys beyond the contract are dropped, a missing ``valid_until`` stays missing, and a
    revocation updates the document as well as the row.
    """
    register_consent(session, consent(
        id="c9", child_id="020315-4321", revoked_at="2026-02-01T12:00:00+01:00", form=None,
        purpose_text=None, valid_until=None, extra="dropped"))
    register_consent(session, consent(id="c8", revoked_at="2026-02-01T12:00:00"))
    listed = {c["id"]: c for c in list_consents(session, "0203154321")}
    assert listed["c9"] == {
        "id": "c9", "child_id": "0203154321", "granted_by": consent()["granted_by"],
        "signed_at": "2025-09-01", "revoked_at": "2026-02-01T11:00:00+00:00", "form": "written",
        "parties": consent()["parties"], "categories": consent()["categories"],
        "purposes": consent()["purposes"], "purpose_text": "", "consequences_explained": True,
    }
    assert listed["c8"]["revoked_at"] == "2026-02-01T12:00:00+00:00"  # naive is kept as UTC
    assert listed["c8"]["valid_until"] == "2026-08-31"
    revoke_consent(session, "c9", datetime(2026, 1, 1, 8, tzinfo=UTC))
    assert list_consents(session, "0203154321")[1]["revoked_at"] == "2026-01-01T08:00:00+00:00"
    assert list_consents(session, "0203154321", include_inactive=False) == []


def test_reads_see_pending_changes(session: Session) -> None:
    """Registry reads autoflush like ``session.execute``: an unflushed row is already seen."""
    from ssd_gateway.registry.consents import consent_row
    from ssd_gateway.registry.tables import ConsentRecord, SSDMeetingRecord

    session.add(ConsentRecord(**consent_row(consent(), NOW)))
    session.add(SSDMeetingRecord(meeting_id="m0", child_id="0203154321", at=NOW))
    assert [c["id"] for c in list_consents(session, "0203154321")] == ["c1"]
    assert meeting_history(session, "0203154321") == [
        {"meeting_id": "m0", "at": NOW.isoformat()}]


def test_register_refuses_malformed_consent(session: Session) -> None:
    """A consent that breaks the contract is refused with a path, not stored."""
    with pytest.raises(RecordInvalid):
        register_consent(session, consent(parties=[{"sector": "bakery"}]))


def test_revocation_visible_to_next_decision(session: Session) -> None:
    """Revoking a consent refuses the very next decision that reads the registry."""
    register_consent(session, consent())
    session.commit()
    body = _bare(request())
    assert decide_with_registry(session, body).permitted
    revoke_consent(session, "c1", datetime(2026, 3, 10, 8, 59, 59, tzinfo=UTC))  # 09:59:59+01
    session.commit()
    assert "CONSENT_REVOKED" in decide_with_registry(session, body).codes


def test_revoke_unknown(session: Session) -> None:
    """Revoking an unknown consent is NotFound."""
    with pytest.raises(NotFound):
        revoke_consent(session, "nope", NOW)


def test_earlier_revocation_stands(session: Session) -> None:
    """A second, later revocation does not move the first one."""
    register_consent(session, consent())
    revoke_consent(session, "c1", NOW)
    revoke_consent(session, "c1", datetime(2026, 4, 1, tzinfo=UTC))
    assert list_consents(session, "0203154321")[0]["revoked_at"] == NOW.isoformat()


def test_expire(session: Session) -> None:
    """Expiry marks consents past valid_until or the cap; active listing leaves them out."""
    register_consent(session, consent())
    register_consent(session, consent(id="c-old", signed_at="2024-01-01",
                                      valid_until="2024-12-31"))
    assert expire_consents(session, date(2026, 3, 10)) == 1
    assert [c["id"] for c in list_consents(session, "0203154321", include_inactive=False)] == [
        "c1"]


def test_meeting_ledger_counts_across_decisions(session: Session) -> None:
    """The first permitted meeting enters the ledger; a bare second one then needs a follow-up."""
    first = decide_with_registry(session, _bare(ssd()))
    assert (first.decision, first.meeting_ordinal) == ("permit", 1)
    again = decide_with_registry(session, _bare(ssd()))
    assert again.permitted, "more transfers at the same meeting are allowed"
    second = _bare(ssd(meeting={"id": "m2", "at": "2026-03-10T09:00:00+01:00"}))
    assert "SSD_FOLLOW_UP_NEEDS_JUSTIFICATION" in decide_with_registry(session, second).codes
    follow = _bare(ssd(meeting={"id": "m2", "at": "2026-03-10T09:30:00+01:00",
                                "follow_up_of": "m1", "special_case_justification": "ny"}))
    assert decide_with_registry(session, follow).meeting_ordinal == 2
    third = _bare(ssd(meeting={"id": "m3", "at": "2026-03-10T09:45:00+01:00",
                               "follow_up_of": "m2", "special_case_justification": "igen"}))
    assert "SSD_MEETING_LIMIT_REACHED" in decide_with_registry(session, third).codes
    assert [m["meeting_id"] for m in meeting_history(session, "0203154321")] == ["m1", "m2"]


def test_stafetlog_handover_two_phase(session: Session) -> None:
    """Offer keeps the old holder until accept; only the holder offers; refusal changes nothing."""
    open_stafetlog(session, "log1", "0203154321", SCHOOL["org_id"], NOW)
    with pytest.raises(StafetlogStateError):
        offer_handover(session, "log1", DAYCARE["org_id"], "x", NOW)
    offer_handover(session, "log1", SCHOOL["org_id"], DAYCARE["org_id"], NOW)
    assert stafetlog_state(session, "log1")["holder_org_id"] == SCHOOL["org_id"]
    drop_offer(session, "log1", NOW)
    with pytest.raises(StafetlogStateError):
        accept_handover(session, "log1", DAYCARE["org_id"], NOW)
    offer_handover(session, "log1", SCHOOL["org_id"], DAYCARE["org_id"], NOW)
    accept_handover(session, "log1", DAYCARE["org_id"], NOW)
    assert stafetlog_state(session, "log1") == {"status": "open",
                                                "holder_org_id": DAYCARE["org_id"]}


def test_stafetlog_closed_never_reopened(session: Session) -> None:
    """A closed log has no holder, refuses changes, and its id cannot be opened again."""
    open_stafetlog(session, "log1", "0203154321", SCHOOL["org_id"], NOW)
    close_stafetlog(session, "log1", "archived", NOW)
    assert stafetlog_state(session, "log1") == {"status": "archived"}
    with pytest.raises(StafetlogStateError):
        offer_handover(session, "log1", SCHOOL["org_id"], "x", NOW)
    with pytest.raises(StafetlogStateError):
        open_stafetlog(session, "log1", "0203154321", SCHOOL["org_id"], NOW)


def test_decisions_use_stafetlog_state(session: Session) -> None:
    """The engine sees the registry's holder (STA-1) and closed state (STA-2)."""
    register_consent(session, consent())
    open_stafetlog(session, "log1", "0203154321", DAYCARE["org_id"], NOW)
    offer = _bare(request("stafetlog_handover_offer"))
    assert "HANDOVER_NOT_HOLDER" in decide_with_registry(session, offer, stafetlog_id="log1").codes
    close_stafetlog(session, "log1", "destroyed", NOW)
    send = _bare(request("stafetlog"))
    assert "STAFETLOG_CLOSED" in decide_with_registry(session, send, stafetlog_id="log1").codes

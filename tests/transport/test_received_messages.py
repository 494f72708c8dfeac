"""MedCom duplicate rules in the SQL store of answered messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ssd_gateway.contracts import Acknowledgement
from ssd_gateway.db import Base, make_engine, make_sessionmaker
from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.transport.inbox import ReceivedMessages


@pytest.fixture
def session(tmp_path: Path) -> Session:
    engine = make_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    Base.metadata.create_all(engine)
    return make_sessionmaker(engine)()


def test_new_message_is_not_seen(session: Session) -> None:
    """Both ids new: process it."""
    assert ReceivedMessages().seen(session, "skole", "b-1", "m-1") is None


def test_both_ids_seen_returns_the_original_acknowledgement(session: Session) -> None:
    """Both seen: the stored acknowledgement, byte for byte."""
    store = ReceivedMessages()
    stored = store.remember(session, "skole", "fhir", "b-1", "m-1",
                            Acknowledgement("ok", "m-1", "b-1", warnings=("note",)))
    session.commit()
    again = store.seen(session, "skole", "b-1", "m-1")
    assert again is not None and again.body == stored.body and again.code == "ok"
    assert again.warnings == ("note",)


def test_reused_bundle_id_is_an_error(session: Session) -> None:
    """Bundle.id seen with a different MessageHeader.id: BUNDLE_ID_REUSED."""
    store = ReceivedMessages()
    store.remember(session, "skole", "fhir", "b-1", "m-1", Acknowledgement("ok", "m-1", "b-1"))
    with pytest.raises(RecordInvalid) as info:
        store.seen(session, "skole", "b-1", "m-2")
    assert info.value.problems[0].code == "BUNDLE_ID_REUSED"


def test_resubmission_with_new_bundle_id_gets_the_original_answer(session: Session) -> None:
    """MessageHeader.id seen under a new Bundle.id: not processed again, original answer."""
    store = ReceivedMessages()
    first = store.remember(session, "skole", "xml", "b-1", "m-1",
                           Acknowledgement("ok", "m-1", "b-1"))
    again = store.seen(session, "skole", "b-2", "m-1")
    assert again is not None and again.body == first.body
    assert store.seen(session, "skole", "b-2", "m-1") is not None


def test_ids_are_scoped_by_peer(session: Session) -> None:
    """Another organisation never gets the school's acknowledgement."""
    store = ReceivedMessages()
    store.remember(session, "skole", "fhir", "b-1", "m-1", Acknowledgement("ok", "m-1", "b-1"))
    assert store.seen(session, "dagtilbud", "b-1", "m-1") is None

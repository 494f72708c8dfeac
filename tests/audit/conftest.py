"""Fixtures of the evidence-log tests: a signing identity, a SQLite log, sample events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ssd_gateway.audit import AuditLog, HeadSigner, generate_identity
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.db import make_engine

CHILD = "120119-4321"
OTHER_CHILD = "0303181234"
SECRET = "test-secret"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh EC P-256 key and self-signed certificate (key_file, cert_file)."""
    return generate_identity(tmp_path_factory.mktemp("identity"))


@pytest.fixture
def signer(identity: tuple[Path, Path]) -> HeadSigner:
    """The head signer of the test gateway."""
    return HeadSigner.from_pem_files(*identity)


@pytest.fixture
def log(signer: HeadSigner) -> AuditLog:
    """An evidence log that can sign heads."""
    return AuditLog(SECRET, signer)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite gateway database with the log's tables installed."""
    eng = make_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    AuditLog.create_tables(eng)
    yield eng
    eng.dispose()


def event(i: int, **changes: Any) -> AuditEvent:
    """A plausible event number ``i``: decisions, sends and acknowledgements in turn."""
    kind = ("decision", "send_attempt", "acknowledgement")[i % 3]
    base: dict[str, Any] = dict(
        kind=kind, at=T0 + timedelta(minutes=i), actor="gateway", transfer_id=f"t-{i // 3}",
        child_id=CHILD if i % 2 == 0 else OTHER_CHILD, sender_org="bh-solsikken",
        recipient_org="skole-valby", sender_sector="daycare", recipient_sector="school",
        record_kind="stafetlog", basis="consent", decision="permit" if kind == "decision" else None,
        rule_pack="dk-sel-2011", consent_id="samtykke-1",
        detail={"code": "ok"} if kind == "acknowledgement" else {})
    base.update(changes)
    return AuditEvent(**base)


def fill(engine: Engine, log: AuditLog, n: int, sign_every: int = 0) -> None:
    """Append ``n`` events, signing a head every ``sign_every`` entries and at the end."""
    with Session(engine) as session, session.begin():
        for i in range(n):
            log.append(session, event(i))
            if sign_every and (i + 1) % sign_every == 0:
                log.sign_tree_head(session)
        log.sign_tree_head(session)

"""``QuarantineStore``: add, list, read and settle quarantine entries in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from ssd_gateway.db import make_engine, make_sessionmaker
from ssd_gateway.exceptions import ConfigurationError, GatewayError, NotFound
from ssd_gateway.quarantine.table import QuarantineEntry


@dataclass(frozen=True)
class NewEntry:
    """What a producer hands over: the input, where it came from and why it was refused."""

    source: str
    reason_codes: list[str]
    problems: list[dict[str, Any]]
    payload: bytes
    content_type: str
    origin: str | None = None
    mapping_id: str | None = None
    mapping_version: str | None = None
    record_kind: str | None = None
    scope: str = "record"
    location: str | None = None
    received_at: datetime | None = None


@dataclass(frozen=True)
class Quarantined:
    """A snapshot of one entry, safe to use after its database session has closed."""

    id: int
    source: str
    origin: str | None
    mapping_id: str | None
    mapping_version: str | None
    record_kind: str | None
    scope: str
    location: str | None
    reason_codes: list[str]
    problems: list[dict[str, Any]]
    payload: bytes
    content_type: str
    received_at: datetime
    status: str
    attempts: int
    last_attempt_at: datetime | None
    resolved_at: datetime | None

    def summary(self) -> dict[str, Any]:
        """The entry without its payload (what ``quarantine list`` shows)."""
        return {"id": self.id, "status": self.status, "source": self.source,
                "origin": self.origin, "mapping_id": self.mapping_id,
                "record_kind": self.record_kind, "scope": self.scope,
                "location": self.location, "reason_codes": self.reason_codes,
                "received_at": self.received_at.isoformat(), "attempts": self.attempts}


def _snapshot(row: QuarantineEntry) -> Quarantined:
    received = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC)
    return Quarantined(
        id=row.id, source=row.source, origin=row.origin, mapping_id=row.mapping_id,
        mapping_version=row.mapping_version, record_kind=row.record_kind, scope=row.scope,
        location=row.location, reason_codes=list(row.reason_codes),
        problems=list(row.problems), payload=bytes(row.payload),
        content_type=row.content_type, received_at=received, status=row.status,
        attempts=row.attempts, last_attempt_at=row.last_attempt_at,
        resolved_at=row.resolved_at)


class QuarantineStore:
    """The quarantine table behind a small API; database errors become GatewayErrors."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = make_sessionmaker(engine)
        try:
            QuarantineEntry.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
        except SQLAlchemyError as exc:
            raise ConfigurationError(f"quarantine table unavailable: {type(exc).__name__}") from exc

    @classmethod
    def from_url(cls, url: str) -> QuarantineStore:
        """Open the store at a database URL (a SQLite file's directory is created)."""
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return cls(make_engine(url))

    def add(self, entry: NewEntry) -> int:
        """Keep ``entry``; return its id."""
        row = QuarantineEntry(
            source=entry.source, origin=entry.origin, mapping_id=entry.mapping_id,
            mapping_version=entry.mapping_version, record_kind=entry.record_kind,
            scope=entry.scope, location=entry.location, reason_codes=entry.reason_codes,
            problems=entry.problems, payload=entry.payload, content_type=entry.content_type,
            received_at=entry.received_at or datetime.now(UTC), status="open", attempts=0)
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return row.id

    def entries(self, status: str | None = "open", source: str | None = None,
             limit: int = 100) -> list[Quarantined]:
        """Entries, oldest first, filtered by status and source."""
        query = select(QuarantineEntry).order_by(QuarantineEntry.id).limit(limit)
        if status is not None:
            query = query.where(QuarantineEntry.status == status)
        if source is not None:
            query = query.where(QuarantineEntry.source == source)
        with self._sessions() as session:
            return [_snapshot(row) for row in session.scalars(query)]

    def count(self, status: str | None = None) -> int:
        """How many entries there are (with ``status``, if given)."""
        query = select(func.count()).select_from(QuarantineEntry)
        if status is not None:
            query = query.where(QuarantineEntry.status == status)
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def get(self, entry_id: int) -> Quarantined:
        """The entry with ``entry_id``; raise NotFound."""
        with self._sessions() as session:
            row = session.get(QuarantineEntry, entry_id)
            if row is None:
                raise NotFound(f"no quarantine entry {entry_id}")
            return _snapshot(row)

    def resolve(self, entry_id: int) -> Quarantined:
        """Mark an open entry resolved (a retry succeeded)."""
        return self._update(entry_id, resolved=True)

    def record_failure(self, entry_id: int, reason_codes: list[str],
                       problems: list[dict[str, Any]]) -> Quarantined:
        """Count a failed retry and keep its (current) reasons."""
        return self._update(entry_id, resolved=False, reason_codes=reason_codes,
                            problems=problems)

    def _update(self, entry_id: int, *, resolved: bool, reason_codes: list[str] | None = None,
                problems: list[dict[str, Any]] | None = None) -> Quarantined:
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            row = session.get(QuarantineEntry, entry_id)
            if row is None:
                raise NotFound(f"no quarantine entry {entry_id}")
            if row.status != "open":
                raise GatewayError(f"quarantine entry {entry_id} is already {row.status}")
            row.attempts += 1
            row.last_attempt_at = now
            if resolved:
                row.status, row.resolved_at = "resolved", now
            if reason_codes is not None and problems is not None:
                row.reason_codes, row.problems = reason_codes, problems
            session.flush()
            return _snapshot(row)

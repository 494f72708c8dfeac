"""The consent registry: register, revoke, expire, list per child.

Every function works inside the caller's session; the caller commits. A revocation is a row
update, so the next decision that reads the registry sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ssd_gateway.exceptions import NotFound, Problem, RecordInvalid
from ssd_gateway.policy.request import Invalid, normalise_child_id, parse_consent
from ssd_gateway.registry.tables import ConsentRecord

_COLUMNS = (
    ConsentRecord.id, ConsentRecord.child_id, ConsentRecord.granted_by, ConsentRecord.signed_at,
    ConsentRecord.valid_until, ConsentRecord.revoked_at, ConsentRecord.form,
    ConsentRecord.parties, ConsentRecord.categories, ConsentRecord.purposes,
    ConsentRecord.purpose_text, ConsentRecord.consequences_explained,
)


def _check(consent: Mapping[str, Any]) -> None:
    """Validate ``consent`` with the engine's own parser (the decision contract's shape)."""
    try:
        parse_consent(consent)
    except Invalid as exc:
        raise RecordInvalid([Problem(exc.path, exc.code, exc.code, exc.code)]) from None


def register_consent(session: Session, consent: Mapping[str, Any]) -> str:
    """Store a consent shaped as the contract's ``consent``; return its id."""
    _check(consent)
    until = consent.get("valid_until")
    revoked = consent.get("revoked_at")
    record = ConsentRecord(
        id=consent["id"],
        child_id=normalise_child_id(consent["child_id"]),
        granted_by=list(consent["granted_by"]),
        signed_at=date.fromisoformat(consent["signed_at"]),
        valid_until=date.fromisoformat(until) if until else None,
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
        form=consent.get("form") or "written",
        parties=list(consent["parties"]),
        categories=list(consent["categories"]),
        purposes=list(consent["purposes"]),
        purpose_text=consent.get("purpose_text"),
        consequences_explained=bool(consent.get("consequences_explained", False)),
        registered_at=datetime.now(UTC),
    )
    session.add(record)
    session.flush()
    return record.id


def revoke_consent(session: Session, consent_id: str, at: datetime) -> None:
    """Revoke a consent at ``at`` (aware); an earlier revocation stands."""
    record = session.get(ConsentRecord, consent_id)
    if record is None:
        raise NotFound(f"consent {consent_id}")
    if record.revoked_at is None or record.revoked_at > at:
        record.revoked_at = at
    session.flush()


def expire_consents(session: Session, today: date, max_days: int = 365) -> int:
    """Mark every consent whose validity ended before ``today`` as expired; return how many."""
    cap = today - timedelta(days=max_days)
    result = session.execute(
        update(ConsentRecord)
        .where(ConsentRecord.expired.is_(False))
        .where((ConsentRecord.valid_until < today) | (ConsentRecord.signed_at < cap))
        .values(expired=True)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def list_consents(
    session: Session, child_id: str, *, include_inactive: bool = True
) -> list[dict[str, Any]]:
    """The child's consents, shaped as the decision contract's ``consent`` objects.

    Revoked and expired consents are included by default, so that a refusal can say why.
    """
    query = select(*_COLUMNS).where(ConsentRecord.child_id == normalise_child_id(child_id))
    if not include_inactive:
        query = query.where(ConsentRecord.expired.is_(False), ConsentRecord.revoked_at.is_(None))
    return [_as_contract(row) for row in session.execute(query.order_by(ConsentRecord.id))]


def _as_contract(row: Any) -> dict[str, Any]:
    consent = {
        "id": row.id,
        "child_id": row.child_id,
        "granted_by": row.granted_by,
        "signed_at": row.signed_at.isoformat(),
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "form": row.form,
        "parties": row.parties,
        "categories": row.categories,
        "purposes": row.purposes,
        "purpose_text": row.purpose_text or "",
        "consequences_explained": row.consequences_explained,
    }
    if row.valid_until is not None:
        consent["valid_until"] = row.valid_until.isoformat()
    return consent

"""The consent registry: register, revoke, expire, list per child.

Every function works inside the caller's session; the caller commits. A revocation is a row
update, so the next decision that reads the registry sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ssd_gateway.exceptions import NotFound, Problem, RecordInvalid
from ssd_gateway.policy.request import Invalid, normalise_child_id, parse_consent
from ssd_gateway.registry._query import execute
from ssd_gateway.registry.tables import ConsentRecord

_TABLE = ConsentRecord.__table__
#: the child's consents, by id; built once so that SQLAlchemy's statement cache always hits
_BY_CHILD = (
    select(_TABLE.c.document)
    .where(_TABLE.c.child_id == bindparam("child_id"))
    .order_by(_TABLE.c.id)
)
_ACTIVE_BY_CHILD = _BY_CHILD.where(_TABLE.c.expired.is_(False), _TABLE.c.revoked_at.is_(None))


def _check(consent: Mapping[str, Any]) -> None:
    """Validate ``consent`` with the engine's own parser (the decision contract's shape)."""
    try:
        parse_consent(consent)
    except Invalid as exc:
        raise RecordInvalid([Problem(exc.path, exc.code, exc.code, exc.code)]) from None


def _utc(moment: datetime) -> datetime:
    """``moment`` as the registry keeps it: aware UTC (a naive moment is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def consent_row(consent: Mapping[str, Any], registered_at: datetime) -> dict[str, Any]:
    """The ``registry_consents`` row of a (validated) contract-shaped consent.

    The row's ``document`` is the consent as ``list_consents`` returns it: child id without
    dash, dates in ISO form, the revocation as UTC, form and purpose text defaulted, and no
    keys beyond the contract's.
    """
    until = consent.get("valid_until")
    revoked = consent.get("revoked_at")
    signed_at = date.fromisoformat(consent["signed_at"])
    valid_until = date.fromisoformat(until) if until else None
    revoked_at = _utc(datetime.fromisoformat(revoked)) if revoked else None
    child_id = normalise_child_id(consent["child_id"])
    document = {
        "id": consent["id"],
        "child_id": child_id,
        "granted_by": list(consent["granted_by"]),
        "signed_at": signed_at.isoformat(),
        "revoked_at": revoked_at.isoformat() if revoked_at else None,
        "form": consent.get("form") or "written",
        "parties": list(consent["parties"]),
        "categories": list(consent["categories"]),
        "purposes": list(consent["purposes"]),
        "purpose_text": consent.get("purpose_text") or "",
        "consequences_explained": bool(consent.get("consequences_explained", False)),
    }
    if valid_until is not None:
        document["valid_until"] = valid_until.isoformat()
    return {
        "id": consent["id"], "child_id": child_id, "signed_at": signed_at,
        "valid_until": valid_until, "revoked_at": revoked_at, "expired": False,
        "document": orjson.dumps(document).decode(), "registered_at": registered_at,
    }


def register_consent(session: Session, consent: Mapping[str, Any]) -> str:
    """Store a consent shaped as the contract's ``consent``; return its id."""
    _check(consent)
    record = ConsentRecord(**consent_row(consent, datetime.now(UTC)))
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
        document = orjson.loads(record.document)
        document["revoked_at"] = _utc(at).isoformat()
        record.document = orjson.dumps(document).decode()
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
    One indexed Core query; each row's stored document is parsed once.
    """
    query = _BY_CHILD if include_inactive else _ACTIVE_BY_CHILD
    rows = execute(session, query, {"child_id": normalise_child_id(child_id)}).scalars()
    return [orjson.loads(document) for document in rows]

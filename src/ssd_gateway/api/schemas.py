"""Request and response bodies of the local API (pydantic; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """Base of every request body: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class TransferView(BaseModel):
    """A transfer as the journal system sees it."""

    id: str
    state: str
    kind: str
    peer: str
    format: str
    decision: str | None = None
    basis: str | None = None
    reasons: list[dict[str, Any]] = Field(default_factory=list)
    obligations: list[str] = Field(default_factory=list)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class SubmitOptions(Body):
    """How to send a submitted record."""

    format: Literal["fhir", "xml"] = "fhir"


class RevokeBody(Body):
    """When a consent was revoked (defaults to now)."""

    revoked_at: datetime | None = None


class HandoverOfferBody(Body):
    """Offer the relay of a stafetlog to another organisation."""

    to_org_id: str = Field(min_length=1)
    to_person_id: str | None = None
    note: str | None = None


class HandoverAnswerBody(Body):
    """Accept or refuse a handover offer received by this organisation."""

    person_id: str = Field(min_length=1)


class OperatorAction(Body):
    """An operator's reason for retrying or cancelling a transfer."""

    reason: str = Field(default="", max_length=500)


class Readiness(BaseModel):
    """Result of the readiness checks."""

    ready: bool
    checks: list[dict[str, Any]]

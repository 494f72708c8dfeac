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


class Open(BaseModel):
    """Base of response bodies that may grow fields (extra fields are passed through)."""

    model_config = ConfigDict(extra="allow")


class Reason(Open):
    """One reason of a decision: a stable reason code and the rule that gave it."""

    code: str = Field(description="reason code, e.g. CONSENT_RECIPIENT_NOT_COVERED "
                      "(DOMAIN.md §4)")
    rule: str = Field(description="rule id, e.g. CON-6")
    message: str | None = None
    message_en: str | None = None
    source: str | None = None


class Decision(Open):
    """A policy decision (``decision.schema.json``'s response)."""

    decision: Literal["permit", "deny"]
    basis: str | None = None
    reasons: list[Reason] = Field(default_factory=list)
    obligations: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    consent_id: str | None = None
    meeting_id: str | None = None
    meeting_ordinal: int | None = None
    rule_pack: str | None = None
    profile: str | None = None


class Explained(Open):
    """A decision and the same explained for a person."""

    decision: Decision
    explanation: str


class ConsentRegistered(Open):
    """A consent was registered."""

    id: str
    status: Literal["registered"]


class ConsentRevoked(Open):
    """A consent was revoked: waiting transfers cancelled, earlier recipients notified."""

    id: str
    status: Literal["revoked"]
    cancelled: list[str] = Field(description="transfers that were waiting and are cancelled")
    notified: list[str] = Field(description="organisations told about the revocation")


class HandoverOffered(Open):
    """A handover offer was decided and (if permitted) queued to the other organisation."""

    offer_id: str
    transfer_id: str
    state: str
    decision: Decision


class HandoverAnswered(Open):
    """An answer to a received offer was decided and (if permitted) queued back."""

    answer_id: str
    accepted: bool
    transfer_id: str
    state: str
    decision: Decision


class HandoverWithdrawn(Open):
    """An open offer was withdrawn."""

    offer_id: str
    status: Literal["withdrawn"]
    cancelled: bool = Field(description="true if the offer was still queued and never sent")
    notice_transfer_id: str | None = Field(
        None, description="the withdrawal notice sent to the receiver, when the offer may "
        "have reached it")


class ExportRecord(Open):
    """The outcome of one record of a journal export."""

    index: int
    status: Literal["submitted", "quarantined"]
    record_id: str | None = None
    transfer_id: str | None = None
    state: str | None = None
    decision: str | None = None
    reasons: list[str] = Field(default_factory=list)
    quarantine_id: int | None = None
    problems: list[dict[str, Any]] = Field(default_factory=list)


class ExportSummary(Open):
    """Counts of an export's records."""

    records: int
    submitted: int
    denied: int
    quarantined: int


class ExportReport(Open):
    """What happened to each record of a journal export."""

    mapping: str
    version: str
    to: str
    summary: ExportSummary
    records: list[ExportRecord]


class ProblemError(BaseModel):
    """One entry of a problem's ``errors``."""

    path: str = Field(description="where: a path into the submitted JSON (record.child.id), a "
                      "query parameter, or 'decision' for a policy reason")
    code: str = Field(description="a validation code (missing, not_cpr_format, "
                      "extra_forbidden, …) or a policy reason code (CONSENT_REVOKED, …)")
    rule: str | None = None
    message: str | None = None
    message_en: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with the gateway's stable ``code``."""

    type: str
    title: str
    status: int
    code: str = Field(description="stable error code, e.g. RECORD_INVALID, UNAUTHORISED")
    detail: str | None = None
    errors: list[ProblemError] = Field(default_factory=list)

"""Every record kind as one discriminated union, and the one place records are parsed."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model.base import ValidationSettings, translate_errors
from ssd_gateway.model.consent import Consent
from ssd_gateway.model.meeting import AnonymousConsultation, PrivateNote, SSDExchange, SSDMeeting
from ssd_gateway.model.stafetlog import Stafetlog, StafetlogHandoverAnswer, StafetlogHandoverOffer
from ssd_gateway.model.underretning import FeedbackAnswer, FeedbackRequest, Receipt, Underretning

RecordTypes = (
    Stafetlog
    | StafetlogHandoverOffer
    | StafetlogHandoverAnswer
    | Consent
    | Underretning
    | Receipt
    | FeedbackRequest
    | FeedbackAnswer
    | SSDMeeting
    | SSDExchange
    | AnonymousConsultation
    | PrivateNote
)
Record = Annotated[RecordTypes, Field(discriminator="kind")]

RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Record)
RECORD_CLASSES: dict[str, type[Any]] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        Stafetlog, StafetlogHandoverOffer, StafetlogHandoverAnswer, Consent, Underretning,
        Receipt, FeedbackRequest, FeedbackAnswer, SSDMeeting, SSDExchange,
        AnonymousConsultation, PrivateNote,
    )
}


def parse_record(
    data: object, settings: ValidationSettings | None = None, *, prefix: str = ""
) -> Record:
    """Validate ``data`` (a dict) as a record of its ``kind``; raise RecordInvalid with paths."""
    try:
        return RECORD_ADAPTER.validate_python(data, context=settings or ValidationSettings())
    except ValidationError as exc:
        raise RecordInvalid(
            translate_errors(exc, prefix=prefix, union_tags=set(RECORD_CLASSES))
        ) from None


def record_to_json(record: Record) -> dict[str, Any]:
    """Return the canonical JSON form of a record (ISO dates, no None fields)."""
    return record.model_dump(mode="json", exclude_none=True)


def record_json_text(record: Record, indent: int | None = None) -> str:
    """The canonical JSON of a record as text, as ``record_to_json`` gives it, serialised by
    pydantic-core (a few times faster than ``json.dumps`` of that dict; UTF-8, not escaped)."""
    return record.model_dump_json(exclude_none=True, indent=indent)

"""The envelope of one logical message: who sends what to whom, why and on what basis.

``message_id`` is stable for a logical message (MedCom's MessageHeader.id); every send gets a
fresh ``Bundle.id`` in the transport layer, not here.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field, ValidationError

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.model.base import Model, Text, ValidationSettings, translate_errors
from ssd_gateway.model.codes import Basis, Category, Purpose
from ssd_gateway.model.party import Party
from ssd_gateway.model.records import RECORD_CLASSES, Record


class Message(Model):
    """One logical message: a record plus sender, recipient, purpose, categories and basis."""

    message_id: Text = Field(min_length=1)
    sent_at: AwareDatetime
    sender: Party
    recipient: Party
    purpose: Purpose
    categories: list[Category] = Field(min_length=1)
    basis: Basis | None = None
    consent_id: Text | None = None
    meeting_id: Text | None = None
    record: Record

    @property
    def kind(self) -> str:
        """The record kind this message carries."""
        return self.record.kind


def parse_message(data: object, settings: ValidationSettings | None = None) -> Message:
    """Validate a message envelope; raise RecordInvalid with paths into it."""
    try:
        return Message.model_validate(data, context=settings or ValidationSettings())
    except ValidationError as exc:
        raise RecordInvalid(translate_errors(exc, union_tags=set(RECORD_CLASSES))) from None


def message_to_json(message: Message) -> dict[str, Any]:
    """Return the canonical JSON of a message."""
    return message.model_dump(mode="json", exclude_none=True)

"""SSD meetings under Serviceloven §49a, anonymous consultations and private notes."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from ssd_gateway.model.base import ChildId, Model, Text
from ssd_gateway.model.codes import Category, Sector
from ssd_gateway.model.party import Child, Party, Person


class MeetingParticipant(Model):
    """An organisation (and optionally its professional) at a §49a meeting."""

    party: Party
    person: Person | None = None


class SSDMeeting(Model):
    """A §49a meeting: one initial, then one justified follow-up per child."""

    kind: Literal["ssd_meeting"] = "ssd_meeting"
    id: Text = Field(min_length=1)
    child: Child
    at: AwareDatetime
    type: Literal["ssd_49a"] = "ssd_49a"
    follow_up_of: Text | None = None
    special_case_justification: Text | None = None
    concern_statement: Text | None = None
    participants: list[MeetingParticipant] = Field(default_factory=list)


class SSDExchange(Model):
    """Information exchanged at a §49a meeting (no consent; preventive purpose only)."""

    kind: Literal["ssd_exchange"] = "ssd_exchange"
    id: Text = Field(min_length=1)
    child: Child
    meeting_id: Text = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    text: Text = Field(min_length=1)
    at: AwareDatetime


class AnonymousConsultation(Model):
    """A case discussed without identifying the child: no CPR, no name."""

    kind: Literal["anonymous_consultation"] = "anonymous_consultation"
    id: Text = Field(min_length=1)
    asked_by: Person
    asked_at: AwareDatetime
    age_years: int | None = Field(default=None, ge=0, le=25)
    question: Text = Field(min_length=1)
    sector_of_asker: Sector | None = None


class PrivateNote(Model):
    """A professional's own note: never transferable (GEN-1), modelled so it can be refused."""

    kind: Literal["private_note"] = "private_note"
    id: Text = Field(min_length=1)
    child_id: ChildId
    author: Person
    written_at: AwareDatetime
    text: Text = Field(min_length=1)

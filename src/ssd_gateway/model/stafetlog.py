"""Stafetlog: the coordination log that follows a child, with exactly one holder (§3.2)."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Literal, Self, get_args, get_origin

from pydantic import AwareDatetime, Field, ValidationInfo, model_validator

from ssd_gateway.model.base import ChildId, DanishDate, Model, Text, fail, settings_of
from ssd_gateway.model.codes import HandoverState, StafetlogStatus
from ssd_gateway.model.party import Child, Person


class DatedEntry(Model):
    """A dated text: an assessment, a decision, a goal, an evaluation."""

    date: DanishDate
    text: Text = Field(min_length=1)


class Assignment(Model):
    """Who held a role (stafetholder, eyes on the child) from a date."""

    date: DanishDate
    person: Person
    org_id: Text | None = None


class Holder(Model):
    """The current stafetholder: one professional at one organisation."""

    person: Person
    org_id: Text = Field(min_length=1)
    since: DanishDate


class Agreement(Model):
    """An agreed action: what, who is responsible, by when."""

    action: Text = Field(min_length=1)
    responsible: Text = Field(min_length=1)
    due: DanishDate | None = None


class PlanEntry(Model):
    """A dated adjustment of the joint effort with the persons present (B5)."""

    date: DanishDate
    participants: list[Person] = Field(min_length=1)
    text: Text | None = None


class Milestone(Model):
    """A yes/no fact with a date and a reference (consent given, underretning made, …)."""

    done: bool
    date: DanishDate | None = None
    reference: Text | None = None


class ActorAction(Model):
    """A row of section C: an actor, what it does, when and by whom it is followed up."""

    actor: Text = Field(min_length=1)
    changed_on: DanishDate
    action: Text = Field(min_length=1)
    follow_up_on: DanishDate | None = None
    follow_up_by: Text | None = None


class SectionA(Model):
    """Level 1: the concern where it arose and the action taken there."""

    concern_arose_on: DanishDate
    concern_why: Text = Field(min_length=1)
    discussed_by: list[Text] = Field(default_factory=list)
    assessments: list[DatedEntry] = Field(default_factory=list)
    parents_informed_on: DanishDate | None = None
    decisions: list[DatedEntry] = Field(default_factory=list)
    goals: list[DatedEntry] = Field(default_factory=list)
    next_review_on: DanishDate | None = None
    eyes_on_child: list[Assignment] = Field(default_factory=list)


class SectionB(Model):
    """Levels 2–3: several actors' joint effort."""

    actors_involved_on: DanishDate | None = None
    consent: Milestone | None = None
    underretning: Milestone | None = None
    network_map: Milestone | None = None
    plan: list[PlanEntry] = Field(default_factory=list)
    child_goals: list[DatedEntry] = Field(default_factory=list)
    family_goals: list[DatedEntry] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    evaluations: list[DatedEntry] = Field(default_factory=list)
    holder_history: list[Assignment] = Field(default_factory=list)
    eyes_on_child: list[Assignment] = Field(default_factory=list)


class HandoverOffer(Model):
    """A handover of the relay: offered by the holder, accepted or refused by the receiver."""

    id: Text = Field(min_length=1)
    stafetlog_id: Text = Field(min_length=1)
    from_org_id: Text = Field(min_length=1)
    to_org_id: Text = Field(min_length=1)
    to_person: Person | None = None
    offered_at: AwareDatetime
    state: HandoverState = HandoverState.OFFERED
    decided_at: AwareDatetime | None = None
    note: Text | None = None


class Stafetlog(Model):
    """The shared plan around one child; every change is dated and versioned."""

    kind: Literal["stafetlog"] = "stafetlog"
    id: Text = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    child: Child
    parents: list[Person] = Field(default_factory=list)
    created_by: Person
    created_on: DanishDate
    last_updated: DanishDate
    status: StafetlogStatus = StafetlogStatus.OPEN
    holder: Holder | None = None
    section_a: SectionA
    section_b: SectionB | None = None
    actors: list[ActorAction] = Field(default_factory=list)
    consent_ids: list[Text] = Field(default_factory=list)
    handover: HandoverOffer | None = None

    @model_validator(mode="after")
    def _invariants(self, info: ValidationInfo) -> Self:
        if self.status is StafetlogStatus.OPEN and self.holder is None:
            raise fail("holder_required", path="holder")
        today = settings_of(info).today
        latest = max(day for _, day in self._dates())
        if latest <= today and latest <= self.last_updated:
            return self  # the common case: no path needs to be named
        dated = self.dated_fields()
        future = [path for path, day in dated if day > today]
        if future:
            raise fail("future_date", paths=future)
        late = [path for path, day in dated if day > self.last_updated]
        if late:
            raise fail("after_last_update", paths=late)
        return self

    def dated_fields(self) -> list[tuple[str, date]]:
        """Return (path, date) of every dated entry, for the future/last-update checks."""
        return [(_path(where), day) for where, day in self._dates()]

    def _dates(self) -> list[tuple[tuple[str, str, int | None], date]]:
        """Every dated entry, its path still in parts (formatted only when reported)."""
        out: list[tuple[tuple[str, str, int | None], date]] = [
            (("", "created_on", None), self.created_on)]
        out += _dated("section_a", self.section_a)
        if self.section_b is not None:
            out += _dated("section_b", self.section_b)
        return out


#: dates that plan ahead rather than record what happened; they may lie in the future
_PLANNED = frozenset({"next_review_on", "due", "follow_up_on"})


def _dated(prefix: str, section: Model) -> list[tuple[tuple[str, str, int | None], date]]:
    found: list[tuple[tuple[str, str, int | None], date]] = []
    for name, listed in _dated_fields(type(section)):
        value = getattr(section, name)
        if not listed:
            if value is not None:
                found.append(((prefix, name, None), value))
            continue
        for i, item in enumerate(value):
            day = getattr(item, "date", None)
            if isinstance(day, date):
                found.append(((prefix, name, i), day))
    return found


@cache
def _dated_fields(section: type[Model]) -> tuple[tuple[str, bool], ...]:
    """The fields of a section that hold a date, or a list of entries with a ``date``."""
    out: list[tuple[str, bool]] = []
    for name, info in section.model_fields.items():
        if name in _PLANNED:
            continue
        kinds = [get_args(a)[0] if get_origin(a) is Annotated else a
                 for a in (get_args(info.annotation) or (info.annotation,))
                 if a is not type(None)]
        if kinds == [date]:
            out.append((name, False))
        elif get_origin(info.annotation) is list:
            item = get_args(info.annotation)[0]
            if isinstance(item, type) and "date" in getattr(item, "model_fields", {}):
                out.append((name, True))
    return tuple(out)


def _path(where: tuple[str, str, int | None]) -> str:
    """``section_a.assessments[2].date`` from its parts."""
    prefix, name, index = where
    path = f"{prefix}.{name}" if prefix else name
    return path if index is None else f"{path}[{index}].date"


class StafetlogHandoverOffer(HandoverOffer):
    """The message offering the relay to another organisation."""

    kind: Literal["stafetlog_handover_offer"] = "stafetlog_handover_offer"
    child_id: ChildId


class StafetlogHandoverAnswer(Model):
    """The receiver's answer to a handover offer: accepted, or refused."""

    kind: Literal["stafetlog_handover_accept"] = "stafetlog_handover_accept"
    id: Text = Field(min_length=1)
    offer_id: Text = Field(min_length=1)
    stafetlog_id: Text = Field(min_length=1)
    child_id: ChildId
    accepted: bool = True
    answered_by: Person
    org_id: Text = Field(min_length=1)
    answered_at: AwareDatetime

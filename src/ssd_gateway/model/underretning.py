"""Underretning: a notification of concern to the social authority (DOMAIN.md §3.3)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from ssd_gateway.model.base import ChildId, DanishDate, Model, Text, fail
from ssd_gateway.model.codes import Background, FeedbackOutcome, NotifierKind, UnderretningForm
from ssd_gateway.model.party import Child, Person

#: the last age (in whole years) that uses the pre-school form
PRE_SCHOOL_MAX_AGE = 5


class Notifier(Model):
    """Who notifies, in which role and workplace, under which duty."""

    person: Person
    role: Text | None = None
    workplace: Text | None = None
    kind: NotifierKind


class DomainNote(Model):
    """Resources and difficulties in one domain (social, emotional, language, school, …)."""

    domain: Text = Field(min_length=1)
    resources: Text | None = None
    difficulties: Text | None = None


class ParentsInformed(Model):
    """Whether the parents were told, when, what they said, or why not."""

    informed: bool
    on: DanishDate | None = None
    comments: Text | None = None
    reason_not_informed: Text | None = None


class SchoolDetails(Model):
    """Fields only the school form (6–17) has."""

    previous_institutions: Text | None = None
    current_school: Text | None = None
    class_teacher: Text | None = None
    attendance: Text | None = None
    academic: Text | None = None
    social: Text | None = None
    special_measures: Text | None = None
    remarks_from_health: Text | None = None


class PreSchoolDetails(Model):
    """Fields only the pre-school form (0–5) has."""

    attendance_hours: Text | None = None
    brought_and_collected_by: Text | None = None


class Underretning(Model):
    """Notification of concern. Observations are kept apart from presumptions."""

    kind: Literal["underretning"] = "underretning"
    id: Text = Field(min_length=1)
    child: Child
    siblings: list[Person] = Field(default_factory=list)
    interpreter_needed: bool = False
    interpreter_language: Text | None = None
    notifier: Notifier
    form_variant: UnderretningForm
    background: Background
    reason_for_concern: Text = Field(min_length=1)
    what_is_wanted: Text | None = None
    observations: list[Text] = Field(default_factory=list)
    presumptions: list[Text] = Field(default_factory=list)
    resources_and_difficulties: list[DomainNote] = Field(default_factory=list)
    attempted_actions: Text | None = None
    cooperation_with_parents: Text | None = None
    parents_informed: ParentsInformed
    suspected_violence_or_abuse: bool = False
    withhold_from_parents: bool = False
    withhold_reason: Text | None = None
    child_view: Text | None = None
    stafetlog_ref: Text | None = None
    school: SchoolDetails | None = None
    pre_school: PreSchoolDetails | None = None
    signed_on: DanishDate
    created_at: AwareDatetime

    @model_validator(mode="after")
    def _consistency(self) -> Self:
        age = self.child.age_on(self.signed_on)
        expected = (
            UnderretningForm.PRE_SCHOOL if age <= PRE_SCHOOL_MAX_AGE else UnderretningForm.SCHOOL
        )
        if self.form_variant is not expected:
            raise fail("form_variant_age", age=age, expected=expected.value, path="form_variant")
        if self.withhold_from_parents and not self.withhold_reason:
            raise fail("withhold_reason_required", path="withhold_reason")
        return self


class Receipt(Model):
    """The social authority's receipt (kvittering) for an underretning, due in 6 working days."""

    kind: Literal["underretning_receipt"] = "underretning_receipt"
    id: Text = Field(min_length=1)
    underretning_id: Text = Field(min_length=1)
    child_id: ChildId
    received_on: DanishDate
    due_on: DanishDate | None = None
    sent_at: AwareDatetime
    caseworker: Person | None = None


class FeedbackRequest(Model):
    """A professional notifier asks to be told the outcome (tilbagemelding)."""

    kind: Literal["feedback_request"] = "feedback_request"
    id: Text = Field(min_length=1)
    underretning_id: Text = Field(min_length=1)
    child_id: ChildId
    requested_by: Person
    notifier_kind: NotifierKind
    requested_at: AwareDatetime


class FeedbackAnswer(Model):
    """The answer: an outcome code, and more only if the parents accepted fuller feedback."""

    kind: Literal["feedback"] = "feedback"
    id: Text = Field(min_length=1)
    underretning_id: Text = Field(min_length=1)
    child_id: ChildId
    request_id: Text | None = None
    outcome: FeedbackOutcome
    content: Text | None = None
    parents_accepted_fuller_feedback: bool = False
    answered_at: AwareDatetime

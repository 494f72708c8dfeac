"""Code lists of DOMAIN.md (§2 sectors, and the enums of decision.schema.json)."""

from __future__ import annotations

from enum import StrEnum


class Sector(StrEnum):
    """Where an organisation belongs (DOMAIN.md §2)."""

    SCHOOL = "school"
    SFO = "sfo"
    FRITIDSHJEM = "fritidshjem"
    DAYCARE = "daycare"
    MUNICIPAL_HEALTH = "municipal_health"
    PPR = "ppr"
    SOCIAL_AUTHORITY = "social_authority"
    FREE_SCHOOL = "free_school"
    PRIVATE_INSTITUTION = "private_institution"
    MUNICIPAL_DENTAL = "municipal_dental"
    GENERAL_PRACTITIONER = "general_practitioner"
    HOSPITAL = "hospital"
    ADULT_PSYCHIATRY = "adult_psychiatry"
    SUBSTANCE_ABUSE_TREATMENT = "substance_abuse_treatment"
    JOBCENTER = "jobcenter"
    ADULT_SOCIAL = "adult_social"
    POLICE = "police"
    OTHER = "other"


class Category(StrEnum):
    """Category of information in a transfer or covered by a consent."""

    IDENTITY = "identity"
    ORDINARY = "ordinary"
    PRIVATE_FAMILY = "private_family"
    HEALTH = "health"
    SUBSTANCE_ABUSE = "substance_abuse"
    CRIMINAL = "criminal"
    SCHOOL = "school"
    WELLBEING_SCREENING = "wellbeing_screening"


class Purpose(StrEnum):
    """Why information is shared."""

    EARLY_PREVENTIVE = "early_preventive"
    ASSESS_NOTIFICATION = "assess_notification"
    COORDINATION = "coordination"
    TRANSITION = "transition"
    CHILD_WELFARE_CASE = "child_welfare_case"
    NOTIFICATION = "notification"
    FEEDBACK = "feedback"
    CONSULTATION = "consultation"


class Basis(StrEnum):
    """Legal basis of a transfer."""

    CONSENT = "consent"
    SSD_49A = "ssd_49a"
    UNDERRETNING = "underretning"
    ANONYMOUS = "anonymous"


class RecordKind(StrEnum):
    """Kinds of record the gateway carries (``transfer.kind`` in the decision contract)."""

    STAFETLOG = "stafetlog"
    STAFETLOG_HANDOVER_OFFER = "stafetlog_handover_offer"
    STAFETLOG_HANDOVER_ACCEPT = "stafetlog_handover_accept"
    CONSENT = "consent"
    UNDERRETNING = "underretning"
    UNDERRETNING_RECEIPT = "underretning_receipt"
    FEEDBACK_REQUEST = "feedback_request"
    FEEDBACK = "feedback"
    SSD_MEETING = "ssd_meeting"
    SSD_EXCHANGE = "ssd_exchange"
    ANONYMOUS_CONSULTATION = "anonymous_consultation"
    PRIVATE_NOTE = "private_note"


class NotifierKind(StrEnum):
    """Who notifies: §153 public employee, §154 private person, §152 municipality (moving)."""

    PUBLIC_EMPLOYEE = "public_employee"
    PRIVATE_PERSON = "private_person"
    MUNICIPALITY = "municipality"


class FeedbackOutcome(StrEnum):
    """The only outcomes feedback to a notifier may carry (000:4036–4052)."""

    INVESTIGATION_STARTED = "investigation_started"
    MEASURE_STARTED = "measure_started"
    NO_ACTION = "no_action"
    REQUEST_REFUSED = "request_refused"


class StafetlogStatus(StrEnum):
    """Lifecycle of a stafetlog; only an open log has (and must have) a holder."""

    OPEN = "open"
    ARCHIVED = "archived"
    DESTROYED = "destroyed"


class HandoverState(StrEnum):
    """Two-phase relay: offered, then accepted, refused, withdrawn or expired."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ConsentForm(StrEnum):
    """How a consent was given."""

    WRITTEN = "written"
    ORAL = "oral"


class GrantorRole(StrEnum):
    """Who granted a consent: a custody holder, or the young person (15+)."""

    CUSTODY_HOLDER = "custody_holder"
    CHILD = "child"


class UnderretningForm(StrEnum):
    """Form variant by the child's age: 0–5 pre-school, 6–17 school (DOMAIN.md §3.3)."""

    PRE_SCHOOL = "pre_school"
    SCHOOL = "school"


class Background(StrEnum):
    """What lies behind an underretning."""

    CONCRETE_INCIDENT = "concrete_incident"
    GENERAL_WELLBEING = "general_wellbeing"


class ChildIdKind(StrEnum):
    """A child is identified by CPR number or by a replacement id."""

    CPR = "cpr"
    REPLACEMENT = "replacement"

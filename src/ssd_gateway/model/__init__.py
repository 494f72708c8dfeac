"""Canonical records: the gateway's own, validated view of what journals send.

No I/O here. ``parse_record`` and ``parse_message`` are the entry points; everything they
refuse comes back as ``RecordInvalid`` with path-addressed, bilingual problems.
"""

from ssd_gateway.model.base import ValidationSettings
from ssd_gateway.model.codes import (
    Background,
    Basis,
    Category,
    ConsentForm,
    FeedbackOutcome,
    GrantorRole,
    HandoverState,
    NotifierKind,
    Purpose,
    RecordKind,
    Sector,
    StafetlogStatus,
    UnderretningForm,
)
from ssd_gateway.model.consent import Consent, ConsentParty, Grant
from ssd_gateway.model.meeting import (
    AnonymousConsultation,
    MeetingParticipant,
    PrivateNote,
    SSDExchange,
    SSDMeeting,
)
from ssd_gateway.model.message import Message, message_to_json, parse_message
from ssd_gateway.model.party import Child, Party, Person
from ssd_gateway.model.records import (
    RECORD_CLASSES,
    Record,
    parse_record,
    record_json_text,
    record_to_json,
)
from ssd_gateway.model.stafetlog import (
    ActorAction,
    Agreement,
    Assignment,
    DatedEntry,
    HandoverOffer,
    Holder,
    Milestone,
    PlanEntry,
    SectionA,
    SectionB,
    Stafetlog,
    StafetlogHandoverAnswer,
    StafetlogHandoverOffer,
)
from ssd_gateway.model.underretning import (
    DomainNote,
    FeedbackAnswer,
    FeedbackRequest,
    Notifier,
    ParentsInformed,
    PreSchoolDetails,
    Receipt,
    SchoolDetails,
    Underretning,
)

__all__ = [
    "RECORD_CLASSES", "ActorAction", "Agreement", "AnonymousConsultation", "Assignment",
    "Background", "Basis", "Category", "Child", "Consent", "ConsentForm", "ConsentParty",
    "DatedEntry", "DomainNote", "FeedbackAnswer", "FeedbackOutcome", "FeedbackRequest", "Grant",
    "GrantorRole", "HandoverOffer", "HandoverState", "Holder", "MeetingParticipant", "Message",
    "Milestone", "Notifier", "NotifierKind", "ParentsInformed", "Party", "Person", "PlanEntry",
    "PreSchoolDetails", "PrivateNote", "Purpose", "Receipt", "Record", "RecordKind",
    "SSDExchange", "SSDMeeting", "SchoolDetails", "SectionA", "SectionB", "Sector", "Stafetlog",
    "StafetlogHandoverAnswer", "StafetlogHandoverOffer", "StafetlogStatus", "Underretning",
    "UnderretningForm", "ValidationSettings", "message_to_json", "parse_message",
    "parse_record", "record_json_text", "record_to_json",
]

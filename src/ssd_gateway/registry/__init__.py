"""Registries behind the policy engine: consents, the §49a meeting ledger, stafetlog holders.

SQLAlchemy tables on the shared ``ssd_gateway.db.Base`` (SQLite by default). Every function
takes the caller's session and leaves committing to the caller.
"""

from ssd_gateway.registry.consents import (
    expire_consents,
    list_consents,
    register_consent,
    revoke_consent,
)
from ssd_gateway.registry.hydrate import decide_with_registry, hydrate_request
from ssd_gateway.registry.meetings import meeting_history, record_meeting
from ssd_gateway.registry.stafetlog import (
    StafetlogStateError,
    accept_handover,
    close_stafetlog,
    drop_offer,
    offer_handover,
    open_stafetlog,
    stafetlog_state,
)
from ssd_gateway.registry.tables import ConsentRecord, SSDMeetingRecord, StafetlogRecord

__all__ = [
    "ConsentRecord", "SSDMeetingRecord", "StafetlogRecord", "StafetlogStateError",
    "accept_handover", "close_stafetlog", "decide_with_registry", "drop_offer",
    "expire_consents", "hydrate_request", "list_consents", "meeting_history",
    "offer_handover", "open_stafetlog", "record_meeting", "register_consent",
    "revoke_consent", "stafetlog_state",
]

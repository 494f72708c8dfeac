"""Value sets of the decision contract (``decision.schema.json``), as plain frozensets.

They mirror the enums of ``ssd_gateway.model.codes``; the policy engine keeps its own copy so
that the bulk path (``policy decide -``) need not import the pydantic model package. A test
(``tests/policy/test_vocab.py``) proves that the two cannot drift apart.
"""

from __future__ import annotations

SECTORS = frozenset({
    "school", "sfo", "fritidshjem", "daycare", "municipal_health", "ppr", "social_authority",
    "free_school", "private_institution", "municipal_dental", "general_practitioner",
    "hospital", "adult_psychiatry", "substance_abuse_treatment", "jobcenter", "adult_social",
    "police", "other",
})
CATEGORIES = frozenset({
    "identity", "ordinary", "private_family", "health", "substance_abuse", "criminal", "school",
    "wellbeing_screening",
})
PURPOSES = frozenset({
    "early_preventive", "assess_notification", "coordination", "transition",
    "child_welfare_case", "notification", "feedback", "consultation",
})
BASES = frozenset({"consent", "ssd_49a", "underretning", "anonymous"})
KINDS = frozenset({
    "stafetlog", "stafetlog_handover_offer", "stafetlog_handover_accept", "consent",
    "underretning", "underretning_receipt", "feedback_request", "feedback", "ssd_meeting",
    "ssd_exchange", "anonymous_consultation", "private_note",
})
NOTIFIER_KINDS = frozenset({"public_employee", "private_person", "municipality"})
FEEDBACK_OUTCOMES = frozenset({
    "investigation_started", "measure_started", "no_action", "request_refused",
})
STAFETLOG_STATUSES = frozenset({"open", "archived", "destroyed"})
CONSENT_FORMS = frozenset({"written", "oral"})
GRANTOR_ROLES = frozenset({"custody_holder", "child"})

#: the category the municipal profile may keep out of every transfer (DOMAIN.md §5)
WELLBEING_SCREENING = "wellbeing_screening"

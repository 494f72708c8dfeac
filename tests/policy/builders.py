"""Builders of decision requests for the policy tests (plain dicts, as the contract has them)."""

from __future__ import annotations

import copy
from typing import Any

AT = "2026-03-10T10:00:00+01:00"
CHILD_ID = "0203154321"


def party(org_id: str, sector: str, municipality: str = "0101",
          public_task: bool = False) -> dict[str, Any]:
    """A sender or recipient."""
    return {"org_id": org_id, "name": org_id, "sector": sector, "municipality": municipality,
            "performs_public_task": public_task}


SCHOOL = party("skole-valby", "school")
DAYCARE = party("bh-solsikken", "daycare")
HEALTH = party("sundhedspleje-kbh", "municipal_health")
SOCIAL = party("bfa-kbh", "social_authority")
SOCIAL_AARHUS = party("bfa-aarhus", "social_authority", "0751")
PPR = party("ppr-kbh", "ppr")
HOSPITAL = party("rh-bup", "hospital")
DENTAL = party("tandpleje-kbh", "municipal_dental")
JOBCENTER = party("jc-kbh", "jobcenter")


def child(**changes: Any) -> dict[str, Any]:
    """The sample child (born 2015-03-02, Copenhagen, two custody holders)."""
    base = {"id": CHILD_ID, "birth_date": "2015-03-02", "municipality": "0101",
            "custody_holders": ["mor-1", "far-1"]}
    base.update(changes)
    return base


def consent(**changes: Any) -> dict[str, Any]:
    """A written consent from both custody holders: school, daycare, health; coordination."""
    base = {
        "id": "c1", "child_id": CHILD_ID,
        "granted_by": [{"person_id": "mor-1", "role": "custody_holder"},
                       {"person_id": "far-1", "role": "custody_holder"}],
        "signed_at": "2025-09-01", "valid_until": "2026-08-31", "revoked_at": None,
        "form": "written",
        "parties": [{"sector": "school"}, {"sector": "daycare"}, {"sector": "municipal_health"}],
        "categories": ["identity", "private_family", "health", "school"],
        "purposes": ["coordination", "transition"],
        "purpose_text": "Samarbejde om barnets trivsel", "consequences_explained": True,
    }
    base.update(changes)
    return base


def request(kind: str = "stafetlog", *, sender: dict[str, Any] = SCHOOL,
            recipient: dict[str, Any] = DAYCARE, purpose: str = "coordination",
            categories: tuple[str, ...] = ("identity",), consents: list[Any] | None = None,
            at: str = AT, child_: dict[str, Any] | None = None,
            history: list[Any] | None = None, profile: dict[str, Any] | None = None,
            **transfer: Any) -> dict[str, Any]:
    """A decision request; defaults: a school→daycare stafetlog under the sample consent."""
    body: dict[str, Any] = {
        "at": at, "rule_pack": "dk-sel-2011",
        "transfer": {"kind": kind, "sender": copy.deepcopy(sender),
                     "recipient": copy.deepcopy(recipient), "purpose": purpose,
                     "categories": list(categories), **transfer},
        "child": child_ or child(),
        "consents": [consent()] if consents is None else consents,
        "ssd_history": history or [],
    }
    if profile is not None:
        body["profile"] = profile
    return body


def ssd(meeting: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """A §49a exchange school→health at meeting m1 the same morning, no consents."""
    kw.setdefault("sender", SCHOOL)
    kw.setdefault("recipient", HEALTH)
    kw.setdefault("purpose", "early_preventive")
    kw.setdefault("categories", ("private_family",))
    kw.setdefault("consents", [])
    the_meeting = {"id": "m1", "at": "2026-03-10T09:00:00+01:00"} if meeting is None else meeting
    return request("ssd_exchange", basis="ssd_49a", meeting=the_meeting, **kw)


def underretning(facts: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """An underretning school→the social authority of the child's municipality."""
    kw.setdefault("recipient", SOCIAL)
    kw.setdefault("purpose", "notification")
    kw.setdefault("categories", ("identity", "private_family"))
    kw.setdefault("consents", [])
    the_facts = {"notifier_kind": "public_employee", "parents_informed": True}
    the_facts.update(facts or {})
    return request("underretning", underretning=the_facts, **kw)


def feedback(facts: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """Feedback from the social authority to a professional notifier who asked for it."""
    kw.setdefault("sender", SOCIAL)
    kw.setdefault("recipient", SCHOOL)
    kw.setdefault("purpose", "feedback")
    kw.setdefault("consents", [])
    the_facts = {"requested": True, "notifier_kind": "public_employee",
                 "outcome": "investigation_started", "content": None}
    the_facts.update(facts or {})
    return request("feedback", feedback=the_facts, **kw)

"""Realistic sample messages of every record kind, dated relative to a chosen day.

The demo runs on these, and the tests of every part use them. All persons and numbers are
invented; the CPR number is synthetic (a real date, no modulus-11 check).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from ssd_gateway.model import Message, ValidationSettings, parse_message

DAYCARE = {"org_id": "bh-solsikken", "name": "Børnehaven Solsikken", "sector": "daycare",
           "municipality": "0101", "cvr": "29189846", "sor": "1234561000016008"}
SCHOOL = {"org_id": "skole-valby", "name": "Valby Skole", "sector": "school",
          "municipality": "0101", "cvr": "29189846", "kombit_org_id": "kombit-0101-valby"}
HEALTH = {"org_id": "sundhedspleje-kbh", "name": "Sundhedsplejen København",
          "sector": "municipal_health", "municipality": "0101", "cvr": "64942212"}
SOCIAL = {"org_id": "bfa-kbh", "name": "Børne- og Familieafdelingen København",
          "sector": "social_authority", "municipality": "0101", "cvr": "64942212"}
ORGANISATIONS = {"daycare": DAYCARE, "school": SCHOOL, "health": HEALTH, "social": SOCIAL}

MOTHER = {"id": "mor-1", "name": "Lilly Hansen", "role": "mor"}
FATHER = {"id": "far-1", "name": "Ib Hansen", "role": "far"}
PEDAGOGUE = {"id": "p-olga", "name": "Olga Jensen", "role": "stuepædagog"}
TEACHER = {"id": "p-karen", "name": "Karen Holm", "role": "klasselærer"}
CASEWORKER = {"id": "p-arne", "name": "Arne Andersen", "role": "børnesagsbehandler"}
#: names that must never appear in a log line or metric
PERSONAL_NAMES = ("Hans Hansen", "Lilly Hansen", "Ib Hansen", "Olga Jensen", "Karen Holm",
                  "Arne Andersen")


def child(today: date) -> dict[str, Any]:
    """The demo child: six years and a half on ``today``, living in København (0101)."""
    born = date(today.year - 6, 1, 12) if today.month >= 7 else date(today.year - 7, 1, 12)
    cpr = born.strftime("%d%m%y") + ("4321" if born.year >= 2000 else "1321")
    return {"id": cpr, "name": "Hans Hansen", "birth_date": born.isoformat(),
            "municipality": "0101", "custody_holders": [MOTHER, FATHER]}


def _at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


def _envelope(kind: str, sender: dict[str, Any], recipient: dict[str, Any], purpose: str,
              categories: list[str], record: dict[str, Any], day: date,
              **extra: Any) -> dict[str, Any]:
    return {"message_id": f"msg-{kind}-{record['id']}", "sent_at": _at(day, 11),
            "sender": sender, "recipient": recipient, "purpose": purpose,
            "categories": categories, "record": record, **extra}


def consent(today: date) -> dict[str, Any]:
    """Both custody holders consent to daycare, school and health visitor sharing."""
    signed = today - timedelta(days=30)
    return {"kind": "consent", "id": "samtykke-1", "child_id": child(today)["id"],
            "granted_by": [{"person_id": "mor-1", "role": "custody_holder"},
                           {"person_id": "far-1", "role": "custody_holder"}],
            "signed_at": signed.isoformat(),
            "valid_until": (signed + timedelta(days=364)).isoformat(),
            "form": "written",
            "parties": [{"sector": "daycare"}, {"sector": "school"},
                        {"sector": "municipal_health"}],
            "categories": ["identity", "private_family", "health", "school"],
            "purposes": ["coordination", "transition"],
            "purpose_text": "Samarbejde om barnets trivsel ved overgang fra børnehave til skole",
            "consequences_explained": True}


def stafetlog(today: date) -> dict[str, Any]:
    """The daycare's stafetlog, level 2, held by the room pedagogue."""

    def d(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    return {
        "kind": "stafetlog", "id": "stafetlog-1", "version": 3, "child": child(today),
        "parents": [MOTHER, FATHER], "created_by": PEDAGOGUE, "created_on": d(120),
        "last_updated": d(2), "status": "open",
        "holder": {"person": PEDAGOGUE, "org_id": "bh-solsikken", "since": d(120)},
        "section_a": {
            "concern_arose_on": d(125), "concern_why": "Stille, indadvendt og trist; leger ikke",
            "discussed_by": ["stuepædagog", "leder"],
            "assessments": [{"date": d(110), "text": "Bekymringsskala: barn i faldende trivsel"}],
            "parents_informed_on": d(108),
            "decisions": [{"date": d(105), "text": "Ekstra opmærksomhed, ture i lille gruppe"}],
            "goals": [{"date": d(105), "text": "Følge om trivslen falder yderligere"}],
            "next_review_on": d(10),
            "eyes_on_child": [{"date": d(120), "person": PEDAGOGUE, "org_id": "bh-solsikken"}]},
        "section_b": {
            "actors_involved_on": d(60),
            "consent": {"done": True, "date": d(30), "reference": "samtykke-1"},
            "underretning": {"done": False},
            "plan": [{"date": d(28), "participants": [PEDAGOGUE, MOTHER, TEACHER],
                      "text": "Overgang til skole planlagt"}],
            "child_goals": [{"date": d(28), "text": "Hans kommer i trivsel i skolestarten"}],
            "agreements": [{"action": "Indkalde til opfølgningsmøde", "responsible": "stafetholder",
                            "due": (today + timedelta(days=20)).isoformat()}],
            "holder_history": [{"date": d(120), "person": PEDAGOGUE, "org_id": "bh-solsikken"}]},
        "actors": [{"actor": "Børnehaven", "changed_on": d(28),
                    "action": "Hjælper Hans med at sætte ord på oplevelser",
                    "follow_up_on": (today + timedelta(days=20)).isoformat(),
                    "follow_up_by": "stafetholder"}],
        "consent_ids": ["samtykke-1"]}


def handover_offer(today: date) -> dict[str, Any]:
    """The daycare offers the relay to the school."""
    return {"kind": "stafetlog_handover_offer", "id": "overdragelse-1",
            "stafetlog_id": "stafetlog-1", "child_id": child(today)["id"],
            "from_org_id": "bh-solsikken", "to_org_id": "skole-valby", "to_person": TEACHER,
            "offered_at": _at(today, 9), "note": "Skolestart"}


def handover_answer(today: date) -> dict[str, Any]:
    """The school's teacher accepts the relay."""
    return {"kind": "stafetlog_handover_accept", "id": "overdragelse-1-svar",
            "offer_id": "overdragelse-1", "stafetlog_id": "stafetlog-1",
            "child_id": child(today)["id"], "accepted": True, "answered_by": TEACHER,
            "org_id": "skole-valby", "answered_at": _at(today, 12)}


def underretning(today: date) -> dict[str, Any]:
    """The teacher's underretning (school form) to the social authority."""
    return {
        "kind": "underretning", "id": "underretning-1", "child": child(today),
        "notifier": {"person": TEACHER, "role": "klasselærer", "workplace": "Valby Skole",
                     "kind": "public_employee"},
        "form_variant": "school", "background": "general_wellbeing",
        "reason_for_concern": "Hans er meget stille, har hyppigt fravær og virker sulten",
        "what_is_wanted": "En vurdering af familiens behov for støtte",
        "observations": ["Kommer uden madpakke 3 dage om ugen", "Fravær 12 dage i kvartalet"],
        "presumptions": ["Vi formoder, at mor har det svært"],
        "resources_and_difficulties": [{"domain": "social", "resources": "God til at tegne",
                                        "difficulties": "Trækker sig fra leg"}],
        "attempted_actions": "Samtaler med mor, stafetlog, ekstra voksenstøtte",
        "parents_informed": {"informed": True, "on": (today - timedelta(days=1)).isoformat(),
                             "comments": "Mor er enig i, at der er brug for hjælp"},
        "school": {"current_school": "Valby Skole", "class_teacher": "Karen Holm",
                   "attendance": "Fravær 12 dage"},
        "stafetlog_ref": "stafetlog-1", "signed_on": today.isoformat(),
        "created_at": _at(today, 13)}


def receipt(today: date) -> dict[str, Any]:
    """The social authority's receipt for the underretning."""
    return {"kind": "underretning_receipt", "id": "kvittering-1",
            "underretning_id": "underretning-1", "child_id": child(today)["id"],
            "received_on": today.isoformat(), "sent_at": _at(today, 15), "caseworker": CASEWORKER}


def feedback_request(today: date) -> dict[str, Any]:
    """The teacher asks for feedback on the underretning."""
    return {"kind": "feedback_request", "id": "tilbagemelding-anmodning-1",
            "underretning_id": "underretning-1", "child_id": child(today)["id"],
            "requested_by": TEACHER, "notifier_kind": "public_employee",
            "requested_at": _at(today, 13)}


def feedback(today: date) -> dict[str, Any]:
    """The social authority answers with the outcome code only."""
    return {"kind": "feedback", "id": "tilbagemelding-1", "underretning_id": "underretning-1",
            "child_id": child(today)["id"], "request_id": "tilbagemelding-anmodning-1",
            "outcome": "investigation_started", "answered_at": _at(today, 16)}


def ssd_meeting(today: date) -> dict[str, Any]:
    """The initial §49a meeting of daycare, health visitor and social authority."""
    return {"kind": "ssd_meeting", "id": "ssd-møde-1", "child": child(today),
            "at": _at(today - timedelta(days=60), 9),
            "concern_statement": "Faldende trivsel; forældre ønsker ikke at samtykke",
            "participants": [{"party": DAYCARE}, {"party": HEALTH}, {"party": SOCIAL}]}


def ssd_exchange(today: date) -> dict[str, Any]:
    """What the health visitor shared at the §49a meeting."""
    return {"kind": "ssd_exchange", "id": "ssd-udveksling-1", "child": child(today),
            "meeting_id": "ssd-møde-1", "categories": ["private_family"],
            "text": "Sundhedsplejen har set familien ved hjemmebesøg",
            "at": _at(today - timedelta(days=60), 10)}


def anonymous_consultation(today: date) -> dict[str, Any]:
    """A teacher asks PPR anonymously."""
    return {"kind": "anonymous_consultation", "id": "anonym-1", "asked_by": TEACHER,
            "asked_at": _at(today, 8), "age_years": 6,
            "question": "En elev i 0. klasse trækker sig fra leg. Hvad kan vi gøre?",
            "sector_of_asker": "school"}


def private_note(today: date) -> dict[str, Any]:
    """A pedagogue's own note: never transferable."""
    return {"kind": "private_note", "id": "notat-1", "child_id": child(today)["id"],
            "author": PEDAGOGUE, "written_at": _at(today, 8), "text": "Egne noter"}


def sample_message_data(today: date) -> dict[str, dict[str, Any]]:
    """Return one message (as JSON data) of every record kind, keyed by kind."""
    return {
        "stafetlog": _envelope("stafetlog", DAYCARE, SCHOOL, "transition",
                               ["identity", "private_family"], stafetlog(today), today,
                               basis="consent", consent_id="samtykke-1"),
        "stafetlog_handover_offer": _envelope(
            "handover-offer", DAYCARE, SCHOOL, "transition", ["identity"],
            handover_offer(today), today, basis="consent", consent_id="samtykke-1"),
        "stafetlog_handover_accept": _envelope(
            "handover-accept", SCHOOL, DAYCARE, "transition", ["identity"],
            handover_answer(today), today, basis="consent", consent_id="samtykke-1"),
        "consent": _envelope("consent", DAYCARE, SCHOOL, "coordination", ["identity"],
                             consent(today), today, basis="consent", consent_id="samtykke-1"),
        "underretning": _envelope("underretning", SCHOOL, SOCIAL, "notification",
                                  ["identity", "private_family"], underretning(today), today,
                                  basis="underretning"),
        "underretning_receipt": _envelope("receipt", SOCIAL, SCHOOL, "notification",
                                          ["identity"], receipt(today), today,
                                          basis="underretning"),
        "feedback_request": _envelope("feedback-request", SCHOOL, SOCIAL, "feedback",
                                      ["identity"], feedback_request(today), today,
                                      basis="underretning"),
        "feedback": _envelope("feedback", SOCIAL, SCHOOL, "feedback", ["identity"],
                              feedback(today), today, basis="underretning"),
        "ssd_meeting": _envelope("ssd-meeting", DAYCARE, SOCIAL, "early_preventive",
                                 ["identity"], ssd_meeting(today), today, basis="ssd_49a",
                                 meeting_id="ssd-møde-1"),
        "ssd_exchange": _envelope("ssd-exchange", HEALTH, DAYCARE, "early_preventive",
                                  ["private_family"], ssd_exchange(today), today,
                                  basis="ssd_49a", meeting_id="ssd-møde-1"),
        "anonymous_consultation": _envelope("anonymous", SCHOOL, HEALTH, "consultation",
                                            ["ordinary"], anonymous_consultation(today), today,
                                            basis="anonymous"),
        "private_note": _envelope("private-note", DAYCARE, DAYCARE, "coordination",
                                  ["ordinary"], private_note(today), today),
    }


def sample_messages(today: date) -> dict[str, Message]:
    """Return one validated Message of every record kind, keyed by kind."""
    settings = ValidationSettings(today=today)
    return {k: parse_message(v, settings) for k, v in sample_message_data(today).items()}

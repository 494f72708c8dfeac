"""Write the project's CodeSystems and ValueSets as FHIR JSON beside this module.

Run ``python -m ssd_gateway.fhir.terminology._build`` after changing a code list of the model
(``ssd_gateway.model.codes``) or a table below; a test fails while the files are out of date.
The enum-backed code systems are derived from the model so the two can never disagree.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from ssd_gateway.fhir import urls
from ssd_gateway.model import codes
from ssd_gateway.model.messages import MESSAGES

VERSION = "0.1.0"
HERE = Path(__file__).resolve().parent

#: code -> (English display, Danish designation)
Concepts = dict[str, tuple[str, str]]

SECTORS: Concepts = {
    "school": ("Public school", "Folkeskole"),
    "sfo": ("School leisure-time facility", "Skolefritidsordning"),
    "fritidshjem": ("Leisure-time centre", "Fritidshjem"),
    "daycare": ("Daycare", "Dagtilbud: vuggestue, børnehave, dagpleje"),
    "municipal_health": ("Municipal health service", "Sundhedspleje, kommunal sundhedstjeneste"),
    "ppr": ("Educational-psychological counselling", "PPR"),
    "social_authority": ("Social authority for children", "Børne- og familieafdeling"),
    "free_school": ("Free or private school", "Friskole, privatskole"),
    "private_institution": ("Private institution", "Selvejende eller privat institution"),
    "municipal_dental": ("Municipal dental service", "Kommunal tandpleje"),
    "general_practitioner": ("General practitioner", "Praktiserende læge"),
    "hospital": ("Hospital", "Regionshospital, herunder børnepsykiatri"),
    "adult_psychiatry": ("Adult psychiatry", "Voksenpsykiatri, socialpsykiatri"),
    "substance_abuse_treatment": ("Substance abuse treatment", "Misbrugsbehandling"),
    "jobcenter": ("Jobcentre", "Jobcenter"),
    "adult_social": ("Adult social services", "Voksensagsbehandler"),
    "police": ("Police", "Politi"),
    "other": ("Other", "Andet"),
}

EVENTS: Concepts = {
    "stafetlog": ("Stafetlog", "Stafetlog"),
    "stafetlog_handover_offer": ("Stafetlog handover offer", "Tilbud om overdragelse af stafet"),
    "stafetlog_handover_accept": ("Stafetlog handover answer", "Svar på overdragelse af stafet"),
    "consent": ("Consent", "Samtykke"),
    "underretning": ("Notification of concern", "Underretning"),
    "underretning_receipt": ("Receipt for a notification", "Kvittering for underretning"),
    "feedback_request": ("Feedback request", "Anmodning om tilbagemelding"),
    "feedback": ("Feedback to the notifier", "Tilbagemelding"),
    "ssd_meeting": ("SSD meeting (§49a)", "SSD-møde (§49a)"),
    "ssd_exchange": ("Information exchanged at an SSD meeting", "Udveksling på SSD-møde"),
    "anonymous_consultation": ("Anonymous consultation", "Anonym sparring"),
    "private_note": ("Private note", "Eget notat"),
    "acknowledgement": ("Acknowledgement", "Kvittering for modtagelse af besked"),
}

BASES: Concepts = {
    "consent": ("Parental consent", "Samtykke"),
    "ssd_49a": ("SSD cooperation, Serviceloven §49a", "SSD-samarbejde, Serviceloven §49a"),
    "underretning": ("Duty to notify, Serviceloven §§153–154", "Underretningspligt, §§153–154"),
    "anonymous": ("Anonymous, no personal data", "Anonym, ingen personoplysninger"),
}

CATEGORIES: Concepts = {
    "identity": ("Identity", "Identitet"),
    "ordinary": ("Ordinary personal data", "Almindelige personoplysninger"),
    "private_family": ("Private family matters", "Rent private forhold i familien"),
    "health": ("Health", "Helbred"),
    "substance_abuse": ("Substance abuse", "Misbrug"),
    "criminal": ("Criminal matters", "Strafbare forhold"),
    "school": ("School matters", "Skoleforhold"),
    "wellbeing_screening": ("Wellbeing screening result", "Trivselsvurdering"),
}

PURPOSES: Concepts = {
    "early_preventive": ("Early preventive effort", "Tidlig forebyggende indsats"),
    "assess_notification": ("Assess whether to notify", "Vurdere om der skal underrettes"),
    "coordination": ("Coordination of the effort", "Koordinering af indsatsen"),
    "transition": ("Transition between institutions", "Overgang mellem institutioner"),
    "child_welfare_case": ("Child welfare case", "Børnesag"),
    "notification": ("Notification of concern", "Underretning"),
    "feedback": ("Feedback to the notifier", "Tilbagemelding"),
    "consultation": ("Consultation", "Sparring"),
}

#: code -> (rule, kind, English, Danish): DOMAIN.md §4 (refusals) and its warnings
REASONS: dict[str, tuple[str, str, str, str]] = {
    "PRIVATE_NOTE_NOT_TRANSFERABLE": (
        "GEN-1",
        "refusal",
        "A private note is never transferable",
        "Et eget notat kan aldrig videregives",
    ),
    "NO_LEGAL_BASIS": (
        "GEN-2",
        "refusal",
        "No legal basis applies",
        "Der er ikke hjemmel til videregivelsen",
    ),
    "RECORD_INVALID": ("GEN-3", "refusal", "The record fails validation", "Posten er ikke gyldig"),
    "CONSENT_MISSING": (
        "CON-1",
        "refusal",
        "No consent found for this child",
        "Der findes intet samtykke for barnet",
    ),
    "CONSENT_WRONG_CHILD": (
        "CON-2",
        "refusal",
        "The consent is for another child",
        "Samtykket gælder et andet barn",
    ),
    "CONSENT_NOT_YET_VALID": (
        "CON-3",
        "refusal",
        "Transfer before the consent was signed",
        "Videregivelse før samtykket blev givet",
    ),
    "CONSENT_EXPIRED": ("CON-4", "refusal", "The consent has expired", "Samtykket er udløbet"),
    "CONSENT_REVOKED": ("CON-5", "refusal", "The consent was revoked", "Samtykket er tilbagekaldt"),
    "CONSENT_RECIPIENT_NOT_COVERED": (
        "CON-6",
        "refusal",
        "The recipient is not among the consent's parties",
        "Modtageren er ikke omfattet af samtykket",
    ),
    "CONSENT_SENDER_NOT_COVERED": (
        "CON-7",
        "refusal",
        "The sender is not among the consent's parties",
        "Afsenderen er ikke omfattet af samtykket",
    ),
    "CONSENT_CATEGORY_NOT_COVERED": (
        "CON-8",
        "refusal",
        "A category of the transfer is not in the consent",
        "En oplysningstype er ikke omfattet af samtykket",
    ),
    "CONSENT_PURPOSE_NOT_COVERED": (
        "CON-9",
        "refusal",
        "The purpose is not in the consent",
        "Formålet er ikke omfattet af samtykket",
    ),
    "CONSENT_CHILD_15_MISSING": (
        "CON-10",
        "refusal",
        "The child is 15 or older and has not consented",
        "Barnet er fyldt 15 år og har ikke givet samtykke",
    ),
    "CONSENT_CUSTODY_HOLDER_MISSING": (
        "CON-11",
        "refusal",
        "A custody holder has not consented",
        "En forældremyndighedsindehaver har ikke givet samtykke",
    ),
    "CONSENT_FORM_NOT_ACCEPTED": (
        "CON-12",
        "refusal",
        "Oral consent where written is required",
        "Mundtligt samtykke hvor skriftligt kræves",
    ),
    "SSD_SENDER_NOT_ELIGIBLE": (
        "SSD-1",
        "refusal",
        "The sender's sector is not eligible for §49a",
        "Afsenderens sektor er ikke omfattet af §49a",
    ),
    "SSD_RECIPIENT_NOT_ELIGIBLE": (
        "SSD-2",
        "refusal",
        "The recipient's sector is not eligible for §49a",
        "Modtagerens sektor er ikke omfattet af §49a",
    ),
    "SSD_NOT_AT_MEETING": ("SSD-3", "refusal", "No §49a meeting given", "Intet SSD-møde angivet"),
    "SSD_FOLLOW_UP_NEEDS_JUSTIFICATION": (
        "SSD-4",
        "refusal",
        "A second meeting needs follow_up_of and a justification",
        "Et opfølgende møde kræver henvisning og begrundelse",
    ),
    "SSD_MEETING_LIMIT_REACHED": (
        "SSD-5",
        "refusal",
        "The child already had an initial and a follow-up §49a meeting",
        "Barnet har allerede haft et første og et opfølgende SSD-møde",
    ),
    "SSD_PURPOSE_NOT_PREVENTIVE": (
        "SSD-6",
        "refusal",
        "The purpose is not early preventive",
        "Formålet er ikke tidlig forebyggelse",
    ),
    "SSD_NOT_FOR_CASE_EVIDENCE": (
        "SSD-7",
        "refusal",
        "§49a information may not open or document a case",
        "Oplysninger fra §49a må ikke bruges i en børnesag",
    ),
    "UNDERRETNING_WRONG_RECIPIENT": (
        "UND-1",
        "refusal",
        "The recipient is not the social authority of the child's municipality",
        "Modtageren er ikke barnets kommunes myndighed",
    ),
    "FEEDBACK_NOT_REQUESTED": (
        "UND-2",
        "refusal",
        "The notifier did not request feedback",
        "Underretteren har ikke bedt om tilbagemelding",
    ),
    "FEEDBACK_CONTENT_NOT_ALLOWED": (
        "UND-3",
        "refusal",
        "Feedback carries content beyond the outcome",
        "Tilbagemeldingen indeholder mere end udfaldet",
    ),
    "FEEDBACK_NOTIFIER_NOT_PROFESSIONAL": (
        "UND-4",
        "refusal",
        "The notifier is not a professional",
        "Underretteren er ikke fagperson",
    ),
    "ANONYMOUS_CONTAINS_IDENTIFIER": (
        "ANO-1",
        "refusal",
        "An anonymous consultation carries an identifier",
        "En anonym sparring indeholder en identifikation",
    ),
    "HANDOVER_NOT_HOLDER": (
        "STA-1",
        "refusal",
        "The handover is offered by someone who does not hold the relay",
        "Overdragelsen tilbydes af en, der ikke er stafetholder",
    ),
    "STAFETLOG_CLOSED": ("STA-2", "refusal", "The stafetlog is closed", "Stafetloggen er lukket"),
    "PARENTS_NOT_INFORMED_NO_REASON": (
        "",
        "warning",
        "Parents not informed and no reason given",
        "Forældrene er ikke orienteret, og der er ingen begrundelse",
    ),
    "ASSESSMENT_IN_UNDERRETNING": (
        "",
        "warning",
        "The underretning contains assessments, not only observations",
        "Underretningen indeholder vurderinger, ikke kun observationer",
    ),
    "CONSENT_EXPIRES_SOON": (
        "",
        "warning",
        "The consent expires within 30 days",
        "Samtykket udløber inden for 30 dage",
    ),
}

ACK_ERRORS: Concepts = {
    "MESSAGE_INVALID": (
        "The message is not a valid FHIR message Bundle",
        "Beskeden er ikke et gyldigt FHIR-beskedbundt",
    ),
    "RECORD_INVALID": (
        "The record in the message fails validation",
        "Posten i beskeden er ikke gyldig",
    ),
    "UNSAFE_INPUT": ("The input was refused before parsing", "Input blev afvist før indlæsning"),
    "SIGNATURE_INVALID": ("The signature does not verify", "Signaturen kan ikke verificeres"),
    "PEER_REFUSED": (
        "The sender is unknown or not who it claims to be",
        "Afsenderen er ukendt eller ikke den, den udgiver sig for",
    ),
    "RECEIVER_UNKNOWN": ("The receiver is not known here", "Modtageren er ukendt her"),
    "EVENT_NOT_SUPPORTED": (
        "The receiver cannot receive this kind of message",
        "Modtageren kan ikke modtage denne type besked",
    ),
    "POLICY_REFUSED": (
        "The receiving gateway refused the transfer",
        "Den modtagende gateway afviste videregivelsen",
    ),
    "DUPLICATE": ("The message was received before", "Beskeden er modtaget før"),
    "TRANSIENT": (
        "A temporary error at the receiver; resend later",
        "En midlertidig fejl hos modtageren; send igen senere",
    ),
    "WARNING": (
        "A warning that does not stop the message",
        "En advarsel, der ikke standser beskeden",
    ),
}

ROLES: Concepts = {
    "custody_holder": ("Custody holder", "Forældremyndighedsindehaver"),
    "parent_without_custody": ("Parent without custody", "Forælder uden forældremyndighed"),
    "stafetholder": ("Stafetholder", "Stafetholder"),
}

GOAL_KINDS: Concepts = {
    "section_a_goal": ("Goal of section A (level 1)", "Mål i del A (niveau 1)"),
    "child_goal": ("Shared goal for the child", "Fælles mål for barnet"),
    "family_goal": ("Shared goal for the family", "Fælles mål for familien"),
}

#: codes the FHIR reader itself reports, besides the model's
READ_PROBLEMS: Concepts = {
    "fhir_structure": ("Not a valid FHIR resource", "Ikke en gyldig FHIR-ressource"),
    "fhir_invariant": ("A project invariant does not hold", "En projektregel er ikke overholdt"),
    "fhir_missing": ("A required element is missing", "Et krævet element mangler"),
    "fhir_unexpected": ("An element has an unexpected value", "Et element har en uventet værdi"),
    "fhir_unresolved": (
        "A reference does not resolve inside the Bundle",
        "En reference findes ikke i bundtet",
    ),
}

ENUMS: dict[str, tuple[type[StrEnum], str, str]] = {
    "notifier-kind": (codes.NotifierKind, "Kind of notifier", "Underretterens type"),
    "feedback-outcome": (codes.FeedbackOutcome, "Feedback outcome", "Udfald i tilbagemelding"),
    "stafetlog-status": (codes.StafetlogStatus, "Stafetlog status", "Stafetloggens status"),
    "handover-state": (codes.HandoverState, "Handover state", "Overdragelsens tilstand"),
    "consent-form": (codes.ConsentForm, "Form of consent", "Samtykkets form"),
    "grantor-role": (codes.GrantorRole, "Who granted consent", "Hvem gav samtykke"),
    "underretning-form": (codes.UnderretningForm, "Underretning form variant", "Skemavariant"),
    "background": (codes.Background, "Background of an underretning", "Baggrund"),
    "child-id-kind": (codes.ChildIdKind, "Kind of child identifier", "Type af barnets id"),
}


def _concept(code: str, english: str, danish: str) -> dict[str, Any]:
    return {"code": code, "display": english, "designation": [{"language": "da", "value": danish}]}


def code_system(
    cs_id: str, title: str, description: str, concepts: Concepts, *, content: str = "complete"
) -> dict[str, Any]:
    """Return one CodeSystem resource with English displays and Danish designations."""
    return {
        "resourceType": "CodeSystem",
        "id": cs_id,
        "url": urls.code_system(cs_id),
        "version": VERSION,
        "name": "".join(p.title() for p in cs_id.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": "ssd-gateway",
        "description": description,
        "caseSensitive": True,
        "valueSet": f"{urls.VALUE_SET}/{cs_id}",
        "content": content,
        "concept": [_concept(c, en, da) for c, (en, da) in concepts.items()],
    }


def value_set(cs: dict[str, Any]) -> dict[str, Any]:
    """Return the ValueSet holding every code of ``cs``."""
    return {
        "resourceType": "ValueSet",
        "id": cs["id"],
        "url": cs["valueSet"],
        "version": VERSION,
        "name": cs["name"] + "VS",
        "title": cs["title"],
        "status": "active",
        "experimental": False,
        "publisher": "ssd-gateway",
        "description": f"All codes of {cs['url']}",
        "compose": {"include": [{"system": cs["url"]}]},
    }


def _reason_system() -> dict[str, Any]:
    cs = code_system(
        "reason-code",
        "Reason codes",
        "Refusal and warning codes of the policy engine (DOMAIN.md §4); stable identifiers.",
        {c: (en, da) for c, (_, _, en, da) in REASONS.items()},
    )
    cs["property"] = [
        {"code": "rule", "description": "Rule id that yields the code", "type": "string"},
        {"code": "kind", "description": "refusal or warning", "type": "code"},
    ]
    for concept in cs["concept"]:
        rule, kind, _, _ = REASONS[concept["code"]]
        props = [{"code": "kind", "valueCode": kind}]
        if rule:
            props.insert(0, {"code": "rule", "valueString": rule})
        concept["property"] = props
    return cs


def _from_enum(enum: type[StrEnum], danish: dict[str, tuple[str, str]] | None) -> Concepts:
    table = danish or {}
    return {
        m.value: table.get(m.value, (m.value.replace("_", " "), m.value.replace("_", " ")))
        for m in enum
    }


def code_systems() -> list[dict[str, Any]]:
    """Return every project CodeSystem."""
    systems = [
        code_system(
            "event-code",
            "Message event codes",
            "One event per record kind, plus the acknowledgement.",
            EVENTS,
        ),
        code_system(
            "sector",
            "Sectors",
            "Where an organisation belongs (DOMAIN.md §2).",
            _from_enum(codes.Sector, SECTORS),
        ),
        code_system(
            "legal-basis",
            "Legal bases",
            "Legal basis of a transfer.",
            _from_enum(codes.Basis, BASES),
        ),
        code_system(
            "information-category",
            "Information categories",
            "Categories of information in a transfer or a consent.",
            _from_enum(codes.Category, CATEGORIES),
        ),
        code_system(
            "purpose", "Purposes", "Why information is shared.", _from_enum(codes.Purpose, PURPOSES)
        ),
        _reason_system(),
        code_system(
            "ack-error",
            "Acknowledgement error codes",
            "Why a receiving gateway did not accept a message (OperationOutcome.issue.details).",
            ACK_ERRORS,
        ),
        code_system("role", "Roles", "Roles of persons around the child.", ROLES),
        code_system(
            "goal-kind",
            "Stafetlog goal kinds",
            "Which part of the stafetlog a goal belongs to.",
            GOAL_KINDS,
        ),
        code_system(
            "problem-code",
            "Validation problem codes",
            "Codes of path-addressed validation problems; validators may report further codes.",
            {**{k: (en, da) for k, (da, en) in MESSAGES.items()}, **READ_PROBLEMS},
            content="fragment",
        ),
    ]
    for cs_id, (enum, title, danish_title) in ENUMS.items():
        systems.append(
            code_system(cs_id, title, f"{title} ({danish_title}).", _from_enum(enum, None))
        )
    return systems


def write(directory: Path = HERE) -> list[Path]:
    """Write every CodeSystem and its ValueSet to ``directory``; return the paths."""
    written = []
    for cs in code_systems():
        for resource in (cs, value_set(cs)):
            path = directory / f"{resource['resourceType']}-{resource['id']}.json"
            path.write_text(
                json.dumps(resource, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            written.append(path)
    return written


if __name__ == "__main__":
    for p in write():
        print(p.name)

"""Danish and English texts of the evidence log's pages: reason codes, kinds, bases, sectors.

Reason codes and their meaning are the contract of DOMAIN.md §4; the texts here say to a
parent or an officer, in plain words, why a transfer was refused.
"""

from __future__ import annotations

from collections.abc import Mapping

Texts = Mapping[str, tuple[str, str]]

REASONS: Texts = {
    "PRIVATE_NOTE_NOT_TRANSFERABLE": ("Et privat notat må ikke deles",
                                      "A private note may not be shared"),
    "NO_LEGAL_BASIS": ("Der var ikke hjemmel til at dele", "There was no legal basis to share"),
    "RECORD_INVALID": ("Oplysningerne var ikke gyldige", "The record was not valid"),
    "CONSENT_MISSING": ("Der var ikke givet samtykke", "No consent had been given"),
    "CONSENT_WRONG_CHILD": ("Samtykket gjaldt et andet barn", "The consent was for another child"),
    "CONSENT_NOT_YET_VALID": ("Samtykket gjaldt endnu ikke", "The consent was not yet valid"),
    "CONSENT_EXPIRED": ("Samtykket var udløbet", "The consent had expired"),
    "CONSENT_REVOKED": ("Samtykket var trukket tilbage", "The consent had been revoked"),
    "CONSENT_RECIPIENT_NOT_COVERED": ("Samtykket omfattede ikke modtageren",
                                      "The consent did not cover the recipient"),
    "CONSENT_SENDER_NOT_COVERED": ("Samtykket omfattede ikke afsenderen",
                                   "The consent did not cover the sender"),
    "CONSENT_CATEGORY_NOT_COVERED": ("Samtykket omfattede ikke den slags oplysninger",
                                     "The consent did not cover that kind of information"),
    "CONSENT_PURPOSE_NOT_COVERED": ("Samtykket omfattede ikke formålet",
                                    "The consent did not cover the purpose"),
    "CONSENT_CHILD_15_MISSING": ("Den unge (15 år eller ældre) havde ikke givet samtykke",
                                 "The young person (15 or older) had not consented"),
    "CONSENT_CUSTODY_HOLDER_MISSING": ("En forældremyndighedsindehaver havde ikke givet samtykke",
                                       "A custody holder had not consented"),
    "CONSENT_FORM_NOT_ACCEPTED": ("Samtykket skulle have været skriftligt",
                                  "The consent had to be in writing"),
    "SSD_SENDER_NOT_ELIGIBLE": ("Afsenderen må ikke dele efter §49a",
                                "The sender may not share under §49a"),
    "SSD_RECIPIENT_NOT_ELIGIBLE": ("Modtageren må ikke modtage efter §49a",
                                   "The recipient may not receive under §49a"),
    "SSD_NOT_AT_MEETING": ("Deling efter §49a kræver et SSD-møde",
                           "Sharing under §49a requires an SSD meeting"),
    "SSD_FOLLOW_UP_NEEDS_JUSTIFICATION": ("Et opfølgende SSD-møde kræver en begrundelse",
                                          "A follow-up SSD meeting needs a justification"),
    "SSD_MEETING_LIMIT_REACHED": ("Barnet har allerede haft de SSD-møder, loven tillader",
                                  "The child already had the SSD meetings the law allows"),
    "SSD_PURPOSE_NOT_PREVENTIVE": ("Formålet var ikke tidlig forebyggelse",
                                   "The purpose was not early prevention"),
    "SSD_NOT_FOR_CASE_EVIDENCE": ("Oplysninger fra SSD-møder må ikke bruges i en sag",
                                  "Information from SSD meetings may not be used in a case"),
    "UNDERRETNING_WRONG_RECIPIENT": ("En underretning skal til barnets kommune",
                                     "An underretning must go to the child's municipality"),
    "FEEDBACK_NOT_REQUESTED": ("Der var ikke bedt om tilbagemelding",
                               "No feedback had been requested"),
    "FEEDBACK_CONTENT_NOT_ALLOWED": ("Tilbagemeldingen indeholdt mere end loven tillader",
                                     "The feedback said more than the law allows"),
    "FEEDBACK_NOTIFIER_NOT_PROFESSIONAL": ("Tilbagemelding gives kun til fagpersoner",
                                           "Feedback is given to professionals only"),
    "ANONYMOUS_CONTAINS_IDENTIFIER": ("En anonym drøftelse indeholdt et CPR-nummer eller navn",
                                      "An anonymous consultation contained an identifier"),
    "HANDOVER_NOT_HOLDER": ("Kun stafetholderen kan overdrage stafetten",
                            "Only the stafetholder can hand over the relay"),
    "STAFETLOG_CLOSED": ("Stafetloggen var lukket", "The stafetlog was closed"),
}

KINDS: Texts = {
    "decision": ("Afgørelse", "Decision"), "send_attempt": ("Afsendelse", "Sending"),
    "acknowledgement": ("Kvittering fra modtager", "Acknowledgement"),
    "cancellation": ("Annulleret", "Cancelled"), "revocation": ("Samtykke trukket tilbage",
                                                                "Consent revoked"),
    "handover": ("Overdragelse af stafet", "Relay handover"),
    "quarantine": ("Sat til manuel kontrol", "Quarantined"),
    "operator_action": ("Handling af driftspersonale", "Operator action"),
    "receipt": ("Modtaget", "Received"), "page_view": ("Opslag", "Looked up"),
    "parent_copy": ("Kopi til forældre", "Parents' copy"),
    "dead_letter": ("Kunne ikke leveres", "Could not be delivered"),
    "inbound": ("Modtaget", "Received"),
}

BASES: Texts = {
    "consent": ("Samtykke", "Consent"),
    "ssd_49a": ("SSD-møde (servicelovens §49a)", "SSD meeting (§49a)"),
    "underretning": ("Underretning (servicelovens §153–154)", "Underretning (§153–154)"),
    "anonymous": ("Anonym drøftelse", "Anonymous consultation"),
}

SECTORS: Texts = {
    "school": ("Skole", "School"), "sfo": ("SFO", "After-school club"),
    "fritidshjem": ("Fritidshjem", "Leisure centre"), "daycare": ("Dagtilbud", "Daycare"),
    "municipal_health": ("Sundhedspleje", "Municipal health service"), "ppr": ("PPR", "PPR"),
    "social_authority": ("Kommunens børne- og familieafdeling", "Social authority"),
    "free_school": ("Friskole", "Free school"),
    "private_institution": ("Privat institution", "Private institution"),
    "municipal_dental": ("Kommunal tandpleje", "Municipal dental care"),
    "general_practitioner": ("Praktiserende læge", "General practitioner"),
    "hospital": ("Hospital", "Hospital"), "police": ("Politi", "Police"),
    "other": ("Andet", "Other"),
}

RECORD_KINDS: Texts = {
    "stafetlog": ("Stafetlog", "Stafetlog"),
    "stafetlog_handover_offer": ("Tilbud om overdragelse af stafet", "Relay handover offer"),
    "stafetlog_handover_accept": ("Svar på overdragelse af stafet", "Relay handover answer"),
    "consent": ("Samtykke", "Consent"), "underretning": ("Underretning", "Underretning"),
    "underretning_receipt": ("Kvittering for underretning", "Receipt for underretning"),
    "feedback_request": ("Anmodning om tilbagemelding", "Feedback request"),
    "feedback": ("Tilbagemelding", "Feedback"), "ssd_meeting": ("SSD-møde", "SSD meeting"),
    "ssd_exchange": ("Oplysninger fra SSD-møde", "Information from an SSD meeting"),
    "anonymous_consultation": ("Anonym drøftelse", "Anonymous consultation"),
    "private_note": ("Privat notat", "Private note"),
}

STATUS: Texts = {
    "delivered": ("Leveret", "Delivered"), "sent": ("Sendt", "Sent"),
    "pending": ("Godkendt, ikke sendt endnu", "Approved, not yet sent"),
    "failed": ("Kunne ikke leveres", "Could not be delivered"),
    "cancelled": ("Annulleret", "Cancelled"), "received": ("Modtaget", "Received"),
}


def text(table: Texts, code: str | None, lang: str) -> str:
    """The text for ``code`` in ``lang`` (``da`` or ``en``), or the code itself if unknown."""
    if code is None:
        return ""
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]

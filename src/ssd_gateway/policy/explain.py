"""A decision explained for a person: basis, each reason with its source, what would help."""

from __future__ import annotations

from typing import Any

from ssd_gateway.policy import packs
from ssd_gateway.policy.decision import Decision

_TEXT: dict[str, dict[str, Any]] = {
    "da": {
        "permit": "TILLADT", "deny": "AFVIST", "decision": "Afgørelse", "basis": "Grundlag",
        "none": "intet", "pack": "Regelsæt", "profile": "Kommuneprofil", "reasons": "Begrundelser",
        "source": "Kilde", "remedy": "Sådan bliver det lovligt", "obligations": "Forpligtelser",
        "warnings": "Advarsler", "consent": "Samtykke", "meeting": "§49a-møde",
        "ordinal": {1: "første møde", 2: "opfølgende møde"},
        "bases": {"consent": "samtykke", "ssd_49a": "Serviceloven § 49 a",
                  "underretning": "underretning (Serviceloven §§ 152-155)",
                  "anonymous": "anonym drøftelse"},
    },
    "en": {
        "permit": "PERMITTED", "deny": "REFUSED", "decision": "Decision", "basis": "Basis",
        "none": "none", "pack": "Rule pack", "profile": "Municipal profile", "reasons": "Reasons",
        "source": "Source", "remedy": "What would make it lawful", "obligations": "Obligations",
        "warnings": "Warnings", "consent": "Consent", "meeting": "§49a meeting",
        "ordinal": {1: "initial meeting", 2: "follow-up meeting"},
        "bases": {"consent": "consent", "ssd_49a": "Social Services Act § 49a",
                  "underretning": "underretning (Social Services Act §§ 152-155)",
                  "anonymous": "anonymous consultation"},
    },
}


def _source_title(decision: Decision, rule_id: str) -> str:
    try:
        pack = packs.load(decision.rule_pack.partition("@")[0])
    except Exception:
        return ""
    rule = pack.rules.get(rule_id)
    return f" ({rule.source_title})" if rule else ""


def explain(decision: Decision, *, lang: str = "da") -> str:
    """Render ``decision`` as plain text in ``lang`` (``da`` or ``en``)."""
    t = _TEXT["en" if lang == "en" else "da"]
    basis = t["bases"].get(decision.basis, decision.basis) if decision.basis else t["none"]
    lines = [
        f"{t['decision']}: {t[decision.decision]}",
        f"{t['basis']}: {basis}",
        f"{t['pack']}: {decision.rule_pack}   {t['profile']}: {decision.profile}",
    ]
    if decision.consent_id:
        lines.append(f"{t['consent']}: {decision.consent_id}")
    if decision.meeting_id:
        ordinal = t["ordinal"].get(decision.meeting_ordinal, str(decision.meeting_ordinal))
        lines.append(f"{t['meeting']}: {decision.meeting_id} ({ordinal})")
    if decision.reasons:
        lines += ["", f"{t['reasons']}:"]
        for reason in decision.reasons:
            message = reason.message_en if lang == "en" else reason.message
            remedy = reason.remedy_en if lang == "en" else reason.remedy
            lines += [
                f"- [{reason.rule} {reason.code}] {message}",
                f"    {t['source']}: {reason.source}{_source_title(decision, reason.rule)}",
                f"    {t['remedy']}: {remedy}",
            ]
    if decision.obligations:
        lines += ["", f"{t['obligations']}: " + ", ".join(decision.obligations)]
    if decision.warnings:
        lines += ["", f"{t['warnings']}: " + ", ".join(decision.warnings)]
    return "\n".join(lines)

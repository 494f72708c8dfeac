"""The disclosure report per child: what was shared, by whom, to whom, when, on what basis, and
what was refused and why. Danish by default, English on request; an HTML page that prints.

The parent-facing variant leaves out everything linked to an underretning withheld from the
parents (DOMAIN.md §3.3): an entry is withheld when its ``detail.withheld`` is true or its
``detail.obligations`` holds ``do_not_contact_parents``; every entry sharing a transfer id, a
``detail.record_id`` or a ``detail.underretning_id`` with a withheld entry is left out too.
Nothing on the page says that something was left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from sqlalchemy.orm import Session

from ssd_gateway.audit import texts
from ssd_gateway.audit.entry import EntryView
from ssd_gateway.audit.store import AuditLog, LogQuery
from ssd_gateway.model import cpr

UI: Mapping[str, tuple[str, str]] = {
    "title": ("Hvem har delt oplysninger om barnet", "Who has shared information about the child"),
    "parents_title": ("Oplysninger om deling af jeres barns oplysninger",
                      "How your child's information has been shared"),
    "child": ("Barn (født)", "Child (born)"), "generated": ("Dannet", "Generated"),
    "shared": ("Det er delt", "What was shared"), "refused": ("Det blev afvist",
                                                             "What was refused"),
    "other": ("Andre hændelser", "Other events"), "when": ("Hvornår", "When"),
    "what": ("Hvad", "What"), "from": ("Fra", "From"), "to": ("Til", "To"),
    "basis": ("Hjemmel", "Legal basis"), "status": ("Status", "Status"),
    "why": ("Hvorfor", "Why"), "event": ("Hændelse", "Event"), "by": ("Af", "By"),
    "none": ("Ingen", "None"), "log": ("Loggens tilstand", "State of the log"),
    "log_text": ("Rapporten er dannet fra gatewayens manipulationssikre log. Seneste signerede "
                 "tilstand: {size} poster, rod {root}, signeret {at}.",
                 "This report is drawn from the gateway's tamper-evident log. Latest signed "
                 "state: {size} entries, root {root}, signed {at}."),
    "verified_ok": ("Loggen er kontrolleret og uændret.", "The log was verified as unchanged."),
    "verified_bad": ("ADVARSEL: kontrollen af loggen fandt ændringer.",
                     "WARNING: verification found the log was altered."),
    "no_head": ("Loggen har endnu ingen signeret tilstand.", "The log has no signed state yet."),
    "consent_ref": ("samtykke", "consent"), "meeting_ref": ("møde", "meeting"),
    "entries": ("Logposter", "Log entries"),
}


try:
    DANISH_TIME: Any = ZoneInfo("Europe/Copenhagen")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without tzdata
    DANISH_TIME = UTC


def local_time(at: datetime) -> str:
    """``10.03.2026 10:00`` in Danish time."""
    return at.astimezone(DANISH_TIME).strftime("%d.%m.%Y %H:%M")


@dataclass(frozen=True)
class Transfer:
    """One transfer about the child as the log tells it (its entries grouped)."""

    transfer_id: str
    at: datetime
    record_kind: str | None
    sender_org: str | None
    sender_sector: str | None
    recipient_org: str | None
    recipient_sector: str | None
    basis: str | None
    consent_id: str | None
    meeting_id: str | None
    decision: str | None
    reason_codes: tuple[str, ...]
    status: str
    seqs: tuple[int, ...]


@dataclass
class DisclosureReport:
    """Everything a disclosure page shows, before it is put into words."""

    birth_date: str
    generated_at: datetime
    for_parents: bool
    shared: list[Transfer] = field(default_factory=list)
    refused: list[Transfer] = field(default_factory=list)
    other: list[EntryView] = field(default_factory=list)
    head: dict[str, Any] | None = None
    verified: bool | None = None


def _linked(e: EntryView) -> set[str]:
    ids = {e.transfer_id, e.detail.get("record_id"), e.detail.get("underretning_id")}
    return {str(i) for i in ids if i}


def parent_visible(entries: list[EntryView]) -> list[EntryView]:
    """Drop every entry that is, or is linked to, a withheld underretning."""
    hidden = set().union(*(_linked(e) for e in entries if e.withheld)) if entries else set()
    return [e for e in entries if not e.withheld and not (_linked(e) & hidden)]


def _status(entries: list[EntryView]) -> str:
    kinds = {e.kind for e in entries}
    acks = [e for e in entries if e.kind == "acknowledgement"]
    if "cancellation" in kinds or "revocation" in kinds:
        return "cancelled"
    if acks and acks[-1].detail.get("code", "ok") == "ok":
        return "delivered"
    if "dead_letter" in kinds or (acks and acks[-1].detail.get("code") == "fatal-error"):
        return "failed"
    if kinds & {"receipt", "inbound"}:
        return "received"
    return "sent" if "send_attempt" in kinds else "pending"


def _transfer(tid: str, entries: list[EntryView]) -> Transfer:
    decisions = [e for e in entries if e.kind == "decision"]
    last = decisions[-1] if decisions else entries[0]
    return Transfer(tid, entries[0].at, last.record_kind, last.sender_org, last.sender_sector,
                    last.recipient_org, last.recipient_sector, last.basis, last.consent_id,
                    last.meeting_id, last.decision, last.reason_codes, _status(entries),
                    tuple(e.seq for e in entries))


def group(entries: Iterable[EntryView], report: DisclosureReport) -> None:
    """Sort a child's entries into shared transfers, refused transfers and other events."""
    by_transfer: dict[str, list[EntryView]] = {}
    for e in entries:
        if e.transfer_id:
            by_transfer.setdefault(e.transfer_id, []).append(e)
        else:
            report.other.append(e)
    for tid, items in by_transfer.items():
        t = _transfer(tid, items)
        if t.decision == "deny":
            report.refused.append(t)
        elif t.decision == "permit" or any(e.kind in {"send_attempt", "receipt", "inbound"}
                                           for e in items):
            report.shared.append(t)
        else:
            report.other.extend(items)


def build_report(session: Session, log: AuditLog, child_cpr: str, *, for_parents: bool = False,
                 verified: bool | None = None, now: datetime | None = None) -> DisclosureReport:
    """Collect the disclosure report of the child with CPR ``child_cpr`` from the log."""
    entries = list(log.iter_query(session, LogQuery(cpr=child_cpr, limit=None)))
    if for_parents:
        entries = parent_visible(entries)
    try:
        born = cpr.birth_date(child_cpr).strftime("%d.%m.%Y")
    except ValueError:
        born = "—"
    heads = log.heads(session)
    head = None
    if heads:
        h = heads[-1]
        head = {"size": h.size, "root": h.root.hex()[:16] + "…", "at": h.timestamp[:19] + "Z"}
    report = DisclosureReport(born, now or datetime.now(UTC), for_parents, head=head,
                              verified=verified)
    group(entries, report)
    return report


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the audit templates (autoescaped)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("ssd_gateway.audit", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _org(org_names: Mapping[str, str], lang: str) -> Any:
    def render(org_id: str | None, sector: str | None) -> str:
        name = org_names.get(org_id or "", org_id or "")
        kind = texts.text(texts.SECTORS, sector, lang)
        return f"{name} ({kind})" if kind and name else name or kind
    return render


def render_report(report: DisclosureReport, lang: str = "da",
                  org_names: Mapping[str, str] | None = None) -> str:
    """Render ``report`` as a printable HTML page in Danish (``da``) or English (``en``)."""
    i = 1 if lang == "en" else 0
    ui = {k: v[i] for k, v in UI.items()}
    return environment().get_template("disclosure.html.j2").render(
        r=report, lang="en" if i else "da", ui=ui, org=_org(org_names or {}, lang),
        reason=lambda c: texts.text(texts.REASONS, c, lang),
        kind=lambda c: texts.text(texts.KINDS, c, lang),
        basis=lambda c: texts.text(texts.BASES, c, lang),
        record=lambda c: texts.text(texts.RECORD_KINDS, c, lang),
        status=lambda c: texts.text(texts.STATUS, c, lang),
        when=local_time)

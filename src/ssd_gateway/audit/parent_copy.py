"""The parents' copy of a stafetlog version: a readable page with what changed highlighted.

Parents get a copy of every version (DOMAIN.md §3.2). ``render_parent_copy`` lays the version
out section by section with Danish (default) or English labels and marks every field that
differs from the previous version; ``make_parent_copy`` also records a ``parent_copy`` entry
in the evidence log (ids, versions, number of changes and the SHA-256 of the page: never the
page itself). The child's CPR number is not printed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ssd_gateway.audit.report import environment, local_time
from ssd_gateway.audit.store import AuditLog
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.model import Stafetlog

#: keys never shown to parents: technical codes and identifiers (the child's id is its CPR)
HIDDEN = frozenset({"kind", "id_kind", "cpr", "id"})
LABELS: Mapping[str, tuple[str, str]] = {
    "version": ("Version", "Version"), "child": ("Barn", "Child"),
    "parents": ("Forældre", "Parents"), "created_by": ("Oprettet af", "Created by"),
    "created_on": ("Oprettet", "Created"), "last_updated": ("Sidst opdateret", "Last updated"),
    "status": ("Status", "Status"), "holder": ("Stafetholder", "Stafetholder"),
    "section_a": ("Del A: Bekymringen og indsatsen, hvor den opstod",
                  "Part A: The concern and the action where it arose"),
    "section_b": ("Del B: Samarbejdet mellem flere", "Part B: Working together"),
    "actors": ("Aktører og handlinger", "Actors and actions"),
    "consent_ids": ("Samtykker", "Consents"), "handover": ("Overdragelse", "Handover"),
    "name": ("Navn", "Name"), "birth_date": ("Fødselsdato", "Date of birth"),
    "municipality": ("Kommune", "Municipality"),
    "custody_holders": ("Forældremyndighed", "Custody holders"),
    "parents_without_custody": ("Forældre uden forældremyndighed", "Parents without custody"),
    "address": ("Adresse", "Address"), "language": ("Sprog", "Language"),
    "person": ("Person", "Person"), "org_id": ("Institution", "Institution"),
    "since": ("Siden", "Since"), "concern_arose_on": ("Bekymringen opstod", "Concern arose"),
    "concern_why": ("Hvorfor", "Why"), "discussed_by": ("Drøftet af", "Discussed by"),
    "assessments": ("Vurderinger", "Assessments"),
    "parents_informed_on": ("Forældre orienteret", "Parents informed"),
    "decisions": ("Beslutninger", "Decisions"), "goals": ("Mål", "Goals"),
    "next_review_on": ("Næste opfølgning", "Next review"),
    "eyes_on_child": ("Har øje på barnet", "Keeps an eye on the child"),
    "date": ("Dato", "Date"), "text": ("Tekst", "Text"),
    "actors_involved_on": ("Flere aktører inddraget", "More actors involved"),
    "consent": ("Samtykke", "Consent"), "underretning": ("Underretning", "Underretning"),
    "network_map": ("Netværkskort", "Network map"), "plan": ("Fælles indsats", "Joint effort"),
    "child_goals": ("Mål for barnet", "Goals for the child"),
    "family_goals": ("Mål for familien", "Goals for the family"),
    "agreements": ("Aftaler", "Agreements"), "evaluations": ("Evalueringer", "Evaluations"),
    "holder_history": ("Tidligere stafetholdere", "Stafetholders over time"),
    "done": ("Gjort", "Done"), "reference": ("Reference", "Reference"),
    "participants": ("Deltagere", "Participants"), "action": ("Handling", "Action"),
    "responsible": ("Ansvarlig", "Responsible"), "due": ("Frist", "Due"),
    "actor": ("Aktør", "Actor"), "changed_on": ("Ændret", "Changed"),
    "follow_up_on": ("Opfølgning", "Follow-up"), "follow_up_by": ("Følges op af", "Followed up by"),
    "from_org_id": ("Fra", "From"), "to_org_id": ("Til", "To"),
    "to_person": ("Til person", "To person"), "offered_at": ("Tilbudt", "Offered"),
    "state": ("Status", "State"), "decided_at": ("Besluttet", "Decided"),
    "note": ("Bemærkning", "Note"), "phone": ("Telefon", "Phone"), "role": ("Rolle", "Role"),
}
VALUES: Mapping[str, tuple[str, str]] = {
    "open": ("Åben", "Open"), "archived": ("Arkiveret", "Archived"),
    "destroyed": ("Slettet", "Destroyed"), "offered": ("Tilbudt", "Offered"),
    "accepted": ("Accepteret", "Accepted"), "refused": ("Afvist", "Refused"),
    "withdrawn": ("Trukket tilbage", "Withdrawn"), "expired": ("Udløbet", "Expired"),
}
UI: Mapping[str, tuple[str, str]] = {
    "title": ("Stafetlog: kopi til forældre", "Stafetlog: copy for the parents"),
    "version": ("Version {v} af {d}", "Version {v} of {d}"),
    "changes": ("Ændret siden version {v}", "Changed since version {v}"),
    "first": ("Dette er den første version, I får.", "This is the first version you receive."),
    "no_changes": ("Ingen ændringer i indholdet.", "No changes in the content."),
    "removed": ("Fjernet", "Removed"), "legend": ("Markeret = ændret siden sidste version",
                                                 "Marked = changed since the last version"),
    "made": ("Dannet", "Made"), "overview": ("Overblik", "Overview"),
    "yes": ("Ja", "Yes"), "no": ("Nej", "No"),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions (``old`` None: added; ``new`` None: removed)."""

    path: str
    label: str
    old: str | None
    new: str | None


@dataclass
class Node:
    """A field on the page: a value, or a group of child nodes; ``changed`` marks it."""

    path: str
    label: str
    value: str | None = None
    children: list[Node] = field(default_factory=list)
    changed: bool = False


def _is_person(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value and set(value) <= {
        "id", "name", "role", "cpr", "phone", "address"}


def _scalar(value: Any, lang: str) -> str:
    en = lang == "en"
    if _is_person(value):
        name = value.get("name") or value.get("role") or "—"
        return f"{name} ({value['role']})" if value.get("name") and value.get("role") else name
    if isinstance(value, bool):
        return UI["yes" if value else "no"][en]
    if isinstance(value, str) and _ISO_DATE.match(value):
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    if isinstance(value, str) and _ISO_TIME.match(value):
        return local_time(datetime.fromisoformat(value))
    if isinstance(value, str) and value in VALUES:
        return VALUES[value][en]
    return "—" if value is None else str(value)


def _label(key: str, lang: str) -> str:
    pair = LABELS.get(key)
    return pair[lang == "en"] if pair else key.replace("_", " ").capitalize()


def flatten(value: Any, lang: str, path: str = "", label: str = "") -> dict[str, tuple[str, str]]:
    """Map every shown leaf of a dumped stafetlog to ``(label path, text)``, keyed by path."""
    out: dict[str, tuple[str, str]] = {}
    if isinstance(value, dict) and not _is_person(value):
        for key, item in value.items():
            if key in HIDDEN or item is None or item == []:
                continue
            sub = f"{path}.{key}" if path else key
            out.update(flatten(item, lang, sub, f"{label} › {_label(key, lang)}".lstrip(" ›")))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.update(flatten(item, lang, f"{path}[{i}]", f"{label} {i + 1}"))
    else:
        out[path] = (label, _scalar(value, lang))
    return out


def diff(previous: Stafetlog | None, current: Stafetlog, lang: str = "da") -> list[Change]:
    """Field-level differences between two versions of a stafetlog (version/update excluded)."""
    if previous is None:
        return []
    old, new = (flatten(v.model_dump(mode="json"), lang) for v in (previous, current))
    skip = {"version", "last_updated"}
    changes = []
    for path in sorted(old.keys() | new.keys()):
        if path in skip or (path in old and path in new and old[path][1] == new[path][1]):
            continue
        label = (new.get(path) or old[path])[0]
        changes.append(Change(path, label, old[path][1] if path in old else None,
                              new[path][1] if path in new else None))
    return changes


def _tree(value: Any, lang: str, changed: set[str], path: str = "", key: str = "") -> Node:
    node = Node(path, _label(key, lang) if key else "")
    if isinstance(value, dict) and not _is_person(value):
        for k, item in value.items():
            if k not in HIDDEN and item is not None and item != []:
                node.children.append(_tree(item, lang, changed, f"{path}.{k}" if path else k, k))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            child = _tree(item, lang, changed, f"{path}[{i}]", "")
            child.label = f"{i + 1}."
            node.children.append(child)
    else:
        node.value = _scalar(value, lang)
    node.changed = path in changed
    return node


def render_parent_copy(current: Stafetlog, previous: Stafetlog | None = None, lang: str = "da",
                       now: datetime | None = None) -> str:
    """Render ``current`` for the parents, highlighting what changed since ``previous``."""
    en = lang == "en"
    changes = diff(previous, current, lang)
    changed = {c.path for c in changes if c.new is not None}
    tree = _tree(current.model_dump(mode="json"), lang, changed)
    ui = {k: v[en] for k, v in UI.items()}
    return environment().get_template("parent_copy.html.j2").render(
        lang="en" if en else "da", ui=ui, log=current, tree=tree, changes=changes,
        previous=previous, child_name=current.child.name or "",
        updated=_scalar(current.last_updated.isoformat(), lang),
        made=local_time(now or datetime.now(UTC)))


def make_parent_copy(session: Session, log: AuditLog, current: Stafetlog,
                     previous: Stafetlog | None = None, *, actor: str, lang: str = "da",
                     now: datetime | None = None) -> str:
    """Render the parents' copy and record a ``parent_copy`` entry in the caller's session."""
    at = now or datetime.now(UTC)
    page = render_parent_copy(current, previous, lang, at)
    log.append(session, AuditEvent(
        kind="parent_copy", at=at, actor=actor, child_id=current.child.id,
        sender_org=current.holder.org_id if current.holder else None, record_kind="stafetlog",
        detail={"stafetlog_id": current.id, "version": current.version,
                "previous_version": previous.version if previous else None,
                "changes": len(diff(previous, current, lang)), "lang": lang,
                "page_sha256": hashlib.sha256(page.encode()).hexdigest()}))
    return page

"""The project's invariants on message Bundles, beyond fhir.resources' structural checks.

fhir.resources checks types, cardinality minimums and primitive formats only (anchors-python
§B1): it accepts a message Bundle whose first entry is no MessageHeader, duplicate fullUrls,
dangling references and undefined codes. The rules below close those gaps.

Each rule is stated twice: as a FHIRPath expression (the definition, readable by partners and
FHIR tools) and as a few lines of Python over the Bundle's FHIRPath view (``_collections``),
which is what runs: the interpreted FHIRPath (fhirpathpy) cost ≈ 3 ms per Bundle, more than
signing and sending it. ``tests/fhir/test_invariant_equivalence.py`` proves the two agree on
every sample Bundle, every breaking case and thousands of generated variations of them that
fhir.resources accepts; ``fhirpath_problems`` evaluates the FHIRPath forms, for those tests
and for anyone who wants the reference answer. A few more checks are plain Python only,
where FHIRPath would be clumsy (codes of project CodeSystems, CPR numbers).
``check_invariants`` returns one ``Problem`` per broken rule, with the rule key as its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir import urls
from ssd_gateway.fhir._collections import BundleView, exists, items, nav, of_type, strings
from ssd_gateway.fhir.terminology import defined_codes, is_project_system, load_terminology
from ssd_gateway.model import cpr

_HEADER = "%bundle.entry.first().resource"
_EVENT_CODES = urls.code_system("event-code")
_ANONYMOUS = (f"category.coding.where(system = '{_EVENT_CODES}' and "
              "code = 'anonymous_consultation').exists()")

Check = Callable[[BundleView], bool]


@dataclass(frozen=True)
class Invariant:
    """One rule: its FHIRPath ``expression`` must evaluate to ``true`` on the Bundle, and
    ``check`` (the same rule in Python) returns whether it does."""

    key: str
    expression: str
    message_en: str
    message_da: str
    check: Check


def _msg_1(v: BundleView) -> bool:
    return items(v.bundle.get("type")) == ["message"] and v.header is not None \
        and v.header.get("resourceType") == "MessageHeader"


def _msg_2(v: BundleView) -> bool:
    every = all(isinstance(e, dict) and exists(items(e.get("fullUrl"))) for e in v.entries)
    present = nav(v.entries, "fullUrl")
    return every and _distinct(present)


def _distinct(values: list[Any]) -> bool:
    hashable = [repr(x) if isinstance(x, (dict, list)) else x for x in values]
    return len(set(hashable)) == len(hashable)


def _msg_3(v: BundleView) -> bool:
    return exists(items(v.bundle.get("id"))) and exists(items(v.bundle.get("timestamp")))


def _msg_4(v: BundleView) -> bool:
    focus = v.of("focus")
    if not (focus or v.of("response")):
        return False
    known = set(v.full_urls)
    return all(_one(nav([f], "reference")) in known for f in focus)


def _one(collection: list[Any]) -> Any:
    """The string of a singleton collection, else a value that matches no fullUrl."""
    return collection[0] if len(collection) == 1 and isinstance(collection[0], str) else ()


def _msg_5(v: BundleView) -> bool:
    return exists(v.of("text"))


def _msg_6(v: BundleView) -> bool:
    if v.first_url is None:
        return False
    return any(v.first_url in strings(nav(nav([p], "target"), "reference"))
               for p in of_type(v.resources, "Provenance"))


def _identified_organizations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in of_type(nav(entries, "resource"), "Organization")
            if exists(items(r.get("identifier")))]


def _msg_7(v: BundleView) -> bool:
    sender = nav(v.of("sender"), "reference")
    if len(sender) != 1 or not isinstance(sender[0], str):
        return False
    return exists(_identified_organizations(v.entries_at(sender)))


def _msg_8(v: BundleView) -> bool:
    destinations = v.of("destination")
    receivers = nav(destinations, "receiver")
    if not destinations or len(receivers) != len(destinations):
        return False
    references = nav(receivers, "reference")
    matched = _identified_organizations(v.entries_at(strings(references)))
    return len(matched) == len(set(map(repr, references)))


def _consent_1(v: BundleView) -> bool:
    return all(exists(nav(nav(nav([c], "provision"), "period"), "start"))
               and exists(nav(nav(nav([c], "provision"), "period"), "end"))
               for c in of_type(v.resources, "Consent"))


def _consent_2(v: BundleView) -> bool:
    return all(exists(nav([c], "patient")) and exists(nav(nav([c], "provision"), "actor"))
               for c in of_type(v.resources, "Consent"))


def _anonymous(communication: dict[str, Any]) -> bool:
    return any(isinstance(c, dict) and c.get("system") == _EVENT_CODES
               and c.get("code") == "anonymous_consultation"
               for c in nav(nav([communication], "category"), "coding"))


def _comm_1(v: BundleView) -> bool:
    return all(exists(nav([c], "subject")) or _anonymous(c)
               for c in of_type(v.resources, "Communication"))


def _comm_2(v: BundleView) -> bool:
    return all(not exists(nav([c], "subject"))
               for c in of_type(v.resources, "Communication") if _anonymous(c))


def _ack_1(v: BundleView) -> bool:
    response = v.of("response")
    if not response:
        return True
    codes = nav(response, "code")
    if len(codes) == 1 and codes[0] == "ok":
        return True
    return exists(of_type(v.resources, "OperationOutcome"))


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("ssd-msg-1",
              "type = 'message' and entry.first().resource.is(MessageHeader)",
              "a message Bundle whose first entry is a MessageHeader (bdl-12)",
              "et beskedbundt, hvis første element er en MessageHeader (bdl-12)",
              check=_msg_1),
    Invariant("ssd-msg-2", "entry.fullUrl.isDistinct() and entry.all(fullUrl.exists())",
              "every entry has a fullUrl, and no two are the same (bdl-7)",
              "alle elementer har en fullUrl, og ingen er ens (bdl-7)",
              check=_msg_2),
    Invariant("ssd-msg-3", "id.exists() and timestamp.exists()",
              "the Bundle has an id and a timestamp (MedCom)",
              "bundtet har id og tidsstempel (MedCom)",
              check=_msg_3),
    Invariant("ssd-msg-4", f"({_HEADER}.focus.exists() or {_HEADER}.response.exists()) and "
              f"{_HEADER}.focus.all(%bundle.entry.fullUrl contains reference)",
              "MessageHeader.focus (unless it is a response) exists and resolves in the Bundle",
              "MessageHeader.focus (undtagen i et svar) findes og peger ind i bundtet",
              check=_msg_4),
    Invariant("ssd-msg-5", f"{_HEADER}.text.exists()",
              "the MessageHeader carries a narrative (MedCom)",
              "MessageHeader har en fortælling (MedCom)",
              check=_msg_5),
    Invariant("ssd-msg-6", "entry.resource.ofType(Provenance).where(target.reference contains "
              "%bundle.entry.first().fullUrl).exists()",
              "a Provenance targets the MessageHeader (medcom-messaging-2)",
              "en Provenance peger på MessageHeader (medcom-messaging-2)",
              check=_msg_6),
    Invariant("ssd-msg-7", f"entry.where(fullUrl = {_HEADER}.sender.reference).resource"
              ".ofType(Organization).identifier.exists()",
              "the sender is a bundled Organization with an identifier",
              "afsenderen er en medsendt organisation med en identifikator",
              check=_msg_7),
    Invariant("ssd-msg-8", f"{_HEADER}.destination.exists() and "
              f"{_HEADER}.destination.receiver.count() = {_HEADER}.destination.count() and "
              f"entry.where(fullUrl in {_HEADER}.destination.receiver.reference).resource"
              ".ofType(Organization).where(identifier.exists()).count() = "
              f"{_HEADER}.destination.receiver.reference.distinct().count()",
              "every receiver is a bundled Organization with an identifier",
              "hver modtager er en medsendt organisation med en identifikator",
              check=_msg_8),
    Invariant("ssd-consent-1", "entry.resource.ofType(Consent).all(provision.period.start"
              ".exists() and provision.period.end.exists())",
              "a Consent has provision.period with a start and an end",
              "et samtykke har provision.period med start og slut",
              check=_consent_1),
    Invariant("ssd-consent-2", "entry.resource.ofType(Consent).all(patient.exists() and "
              "provision.actor.exists())",
              "a Consent names the child and at least one party",
              "et samtykke nævner barnet og mindst én part",
              check=_consent_2),
    Invariant("ssd-comm-1", "entry.resource.ofType(Communication).all(subject.exists() or "
              f"{_ANONYMOUS})",
              "a Communication has a subject, unless it is an anonymous consultation",
              "en Communication har et subjekt, medmindre det er en anonym sparring",
              check=_comm_1),
    Invariant("ssd-comm-2", "entry.resource.ofType(Communication).where("
              f"{_ANONYMOUS}).all(subject.empty())",
              "an anonymous consultation names no child",
              "en anonym sparring nævner intet barn",
              check=_comm_2),
    Invariant("ssd-ack-1", f"{_HEADER}.response.exists() and {_HEADER}.response.code != 'ok' "
              "implies entry.resource.ofType(OperationOutcome).exists()",
              "an acknowledgement that is not ok carries an OperationOutcome "
              "(medcom-acknowledgement-1)",
              "en kvittering, der ikke er ok, har et OperationOutcome "
              "(medcom-acknowledgement-1)",
              check=_ack_1),
)


@cache
def _compiled() -> list[tuple[Invariant, Callable[..., list[Any]]]]:
    import fhirpathpy  # imported on first use: keeps ``import ssd_gateway.fhir`` fast

    return [(inv, fhirpathpy.compile(inv.expression)) for inv in INVARIANTS]


def fhirpath_problems(bundle: dict[str, Any]) -> Iterator[Problem]:
    """The problems the FHIRPath forms of the invariants find (fhirpathpy; the reference)."""
    for inv, rule in _compiled():
        try:
            holds = rule(bundle, {"bundle": bundle}) == [True]
        except Exception:  # fhirpathpy raises bare Exceptions on malformed input
            holds = False
        if not holds:
            yield _broken(inv)


def rule_problems(bundle: dict[str, Any]) -> Iterator[Problem]:
    """The problems the Python forms of the invariants find (what ``check_invariants`` runs)."""
    view = BundleView(bundle)
    for inv in INVARIANTS:
        if not inv.check(view):
            yield _broken(inv)


def _broken(inv: Invariant) -> Problem:
    return Problem("Bundle", inv.key, f"{inv.key}: krav ikke opfyldt: {inv.message_da}",
                   f"{inv.key}: rule broken: {inv.message_en}")


def _walk(value: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(value, dict):
        yield value, path
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, f"{path}[{i}]")


def _objects(value: Any) -> list[dict[str, Any]]:
    """Every object inside ``value`` (no paths: the cheap first look)."""
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if item.__class__ is dict:
            found.append(item)
            stack.extend(item.values())
        elif item.__class__ is list:
            stack.extend(item)
    return found


def _located(bundle: dict[str, Any], bad: Callable[[dict[str, Any]], bool]) -> Iterator[
        tuple[dict[str, Any], str]]:
    """The objects for which ``bad`` holds, with their paths (walked only if there is one)."""
    if not any(bad(obj) for obj in _objects(bundle)):
        return
    yield from ((obj, path) for obj, path in _walk(bundle, "Bundle") if bad(obj))


def _undefined_code(obj: dict[str, Any]) -> bool:
    system = obj.get("system")
    if not (isinstance(system, str) and is_project_system(system) and "code" in obj):
        return False
    known = load_terminology()
    if system in known and known[system].get("content") == "fragment":
        return False  # a fragment does not claim to list every code
    return system not in known or obj["code"] not in defined_codes(system)


def _undefined_codes(bundle: dict[str, Any]) -> Iterator[Problem]:
    """ssd-code-1: every Coding of a project CodeSystem uses a code that system defines."""
    for obj, path in _located(bundle, _undefined_code):
        system, code = obj["system"], obj["code"]
        yield Problem(f"{path}.code", "ssd-code-1",
                      f"ssd-code-1: koden {code!r} er ikke defineret i {system}",
                      f"ssd-code-1: code {code!r} is not defined in {system}")


def _bad_cpr_value(obj: dict[str, Any]) -> bool:
    if obj.get("system") != urls.CPR or "value" not in obj:
        return False
    value = obj["value"]
    try:
        return not (isinstance(value, str) and len(value) == 10 and bool(cpr.birth_date(value)))
    except ValueError:
        return True


def _bad_cpr(bundle: dict[str, Any]) -> Iterator[Problem]:
    """ssd-cpr-1: a CPR identifier is ten digits whose first six are a real date."""
    for _obj, path in _located(bundle, _bad_cpr_value):
        yield Problem(f"{path}.value", "ssd-cpr-1",
                      "ssd-cpr-1: CPR-nummeret er ikke 10 cifre med en gyldig dato",
                      "ssd-cpr-1: the CPR number is not 10 digits starting with a real date")


PYTHON_CHECKS: tuple[Callable[[dict[str, Any]], Iterator[Problem]], ...] = (
    _undefined_codes, _bad_cpr,
)


def check_invariants(bundle: dict[str, Any]) -> list[Problem]:
    """Return one Problem per project invariant ``bundle`` breaks (empty when all hold)."""
    problems = list(rule_problems(bundle))
    for check in PYTHON_CHECKS:
        problems += check(bundle)
    return problems

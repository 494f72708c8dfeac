"""The project's invariants on message Bundles, beyond fhir.resources' structural checks.

fhir.resources checks types, cardinality minimums and primitive formats only (anchors-python
§B1): it accepts a message Bundle whose first entry is no MessageHeader, duplicate fullUrls,
dangling references and undefined codes. The rules below close those gaps. Most are FHIRPath
(compiled once with fhirpathpy, evaluated on the Bundle with ``%bundle`` bound to it); a few
are plain Python where FHIRPath would be clumsy. ``check_invariants`` returns one ``Problem``
per broken rule, with the rule key as its code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from ssd_gateway.exceptions import Problem
from ssd_gateway.fhir import urls
from ssd_gateway.fhir.terminology import defined_codes, is_project_system, load_terminology
from ssd_gateway.model import cpr

_HEADER = "%bundle.entry.first().resource"
_ANONYMOUS = (f"category.coding.where(system = '{urls.code_system('event-code')}' and "
              "code = 'anonymous_consultation').exists()")


@dataclass(frozen=True)
class Invariant:
    """One FHIRPath rule: it must evaluate to ``true`` on the Bundle."""

    key: str
    expression: str
    message_en: str
    message_da: str


INVARIANTS: tuple[Invariant, ...] = (
    Invariant("ssd-msg-1",
              "type = 'message' and entry.first().resource.is(MessageHeader)",
              "a message Bundle whose first entry is a MessageHeader (bdl-12)",
              "et beskedbundt, hvis første element er en MessageHeader (bdl-12)"),
    Invariant("ssd-msg-2", "entry.fullUrl.isDistinct() and entry.all(fullUrl.exists())",
              "every entry has a fullUrl, and no two are the same (bdl-7)",
              "alle elementer har en fullUrl, og ingen er ens (bdl-7)"),
    Invariant("ssd-msg-3", "id.exists() and timestamp.exists()",
              "the Bundle has an id and a timestamp (MedCom)",
              "bundtet har id og tidsstempel (MedCom)"),
    Invariant("ssd-msg-4", f"({_HEADER}.focus.exists() or {_HEADER}.response.exists()) and "
              f"{_HEADER}.focus.all(%bundle.entry.fullUrl contains reference)",
              "MessageHeader.focus (unless it is a response) exists and resolves in the Bundle",
              "MessageHeader.focus (undtagen i et svar) findes og peger ind i bundtet"),
    Invariant("ssd-msg-5", f"{_HEADER}.text.exists()",
              "the MessageHeader carries a narrative (MedCom)",
              "MessageHeader har en fortælling (MedCom)"),
    Invariant("ssd-msg-6", "entry.resource.ofType(Provenance).where(target.reference contains "
              "%bundle.entry.first().fullUrl).exists()",
              "a Provenance targets the MessageHeader (medcom-messaging-2)",
              "en Provenance peger på MessageHeader (medcom-messaging-2)"),
    Invariant("ssd-msg-7", f"entry.where(fullUrl = {_HEADER}.sender.reference).resource"
              ".ofType(Organization).identifier.exists()",
              "the sender is a bundled Organization with an identifier",
              "afsenderen er en medsendt organisation med en identifikator"),
    Invariant("ssd-msg-8", f"{_HEADER}.destination.exists() and "
              f"{_HEADER}.destination.receiver.count() = {_HEADER}.destination.count() and "
              f"entry.where(fullUrl in {_HEADER}.destination.receiver.reference).resource"
              ".ofType(Organization).where(identifier.exists()).count() = "
              f"{_HEADER}.destination.receiver.reference.distinct().count()",
              "every receiver is a bundled Organization with an identifier",
              "hver modtager er en medsendt organisation med en identifikator"),
    Invariant("ssd-consent-1", "entry.resource.ofType(Consent).all(provision.period.start"
              ".exists() and provision.period.end.exists())",
              "a Consent has provision.period with a start and an end",
              "et samtykke har provision.period med start og slut"),
    Invariant("ssd-consent-2", "entry.resource.ofType(Consent).all(patient.exists() and "
              "provision.actor.exists())",
              "a Consent names the child and at least one party",
              "et samtykke nævner barnet og mindst én part"),
    Invariant("ssd-comm-1", "entry.resource.ofType(Communication).all(subject.exists() or "
              f"{_ANONYMOUS})",
              "a Communication has a subject, unless it is an anonymous consultation",
              "en Communication har et subjekt, medmindre det er en anonym sparring"),
    Invariant("ssd-comm-2", "entry.resource.ofType(Communication).where("
              f"{_ANONYMOUS}).all(subject.empty())",
              "an anonymous consultation names no child",
              "en anonym sparring nævner intet barn"),
    Invariant("ssd-ack-1", f"{_HEADER}.response.exists() and {_HEADER}.response.code != 'ok' "
              "implies entry.resource.ofType(OperationOutcome).exists()",
              "an acknowledgement that is not ok carries an OperationOutcome "
              "(medcom-acknowledgement-1)",
              "en kvittering, der ikke er ok, har et OperationOutcome "
              "(medcom-acknowledgement-1)"),
)


@cache
def _compiled() -> list[tuple[Invariant, Callable[..., list[Any]]]]:
    import fhirpathpy  # imported on first use: keeps ``import ssd_gateway.fhir`` fast

    return [(inv, fhirpathpy.compile(inv.expression)) for inv in INVARIANTS]


def _fhirpath_problems(bundle: dict[str, Any]) -> Iterator[Problem]:
    for inv, rule in _compiled():
        try:
            holds = rule(bundle, {"bundle": bundle}) == [True]
        except Exception:  # fhirpathpy raises bare Exceptions on malformed input
            holds = False
        if not holds:
            yield Problem("Bundle", inv.key, f"{inv.key}: krav ikke opfyldt: {inv.message_da}",
                          f"{inv.key}: rule broken: {inv.message_en}")


def _walk(value: Any, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(value, dict):
        yield value, path
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, f"{path}[{i}]")


def _undefined_codes(bundle: dict[str, Any]) -> Iterator[Problem]:
    """ssd-code-1: every Coding of a project CodeSystem uses a code that system defines."""
    known = load_terminology()
    for obj, path in _walk(bundle, "Bundle"):
        system, code = obj.get("system"), obj.get("code")
        if not (isinstance(system, str) and is_project_system(system) and "code" in obj):
            continue
        if system in known and known[system].get("content") == "fragment":
            continue  # a fragment does not claim to list every code
        if system not in known or code not in defined_codes(system):
            yield Problem(f"{path}.code", "ssd-code-1",
                          f"ssd-code-1: koden {code!r} er ikke defineret i {system}",
                          f"ssd-code-1: code {code!r} is not defined in {system}")


def _bad_cpr(bundle: dict[str, Any]) -> Iterator[Problem]:
    """ssd-cpr-1: a CPR identifier is ten digits whose first six are a real date."""
    for obj, path in _walk(bundle, "Bundle"):
        if obj.get("system") != urls.CPR or "value" not in obj:
            continue
        value = obj["value"]
        try:
            ok = isinstance(value, str) and len(value) == 10 and bool(cpr.birth_date(value))
        except ValueError:
            ok = False
        if not ok:
            yield Problem(f"{path}.value", "ssd-cpr-1",
                          "ssd-cpr-1: CPR-nummeret er ikke 10 cifre med en gyldig dato",
                          "ssd-cpr-1: the CPR number is not 10 digits starting with a real date")


PYTHON_CHECKS: tuple[Callable[[dict[str, Any]], Iterator[Problem]], ...] = (
    _undefined_codes, _bad_cpr,
)


def check_invariants(bundle: dict[str, Any]) -> list[Problem]:
    """Return one Problem per project invariant ``bundle`` breaks (empty when all hold)."""
    problems = list(_fhirpath_problems(bundle))
    for check in PYTHON_CHECKS:
        problems += check(bundle)
    return problems

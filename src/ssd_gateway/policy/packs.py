"""Rule packs: the law as versioned data (``packs/*.yaml``), selected by id or by date.

A pack holds sector eligibility, counts, deadlines, paragraph references, the holiday
calendar, and for every rule id its reason code, Danish and English message, source reference
and remedy. The engine binds the rule ids a pack names to check functions
(``ssd_gateway.policy.rules``); the parameters of those checks come from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache, partial
from importlib import resources
from typing import Any

from ssd_gateway.exceptions import PolicyError
from ssd_gateway.policy.calendar import WorkingDayCalendar
from ssd_gateway.policy.decision import Reason

DEFAULT_PACK = "dk-sel-2011"


class _Blank(dict[str, Any]):
    """Template arguments: a placeholder nobody filled renders as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: its code, texts and the line of the source it rests on."""

    id: str
    code: str
    source: str
    source_title: str
    message: Mapping[str, str]
    remedy: Mapping[str, str]


@dataclass(frozen=True)
class BasisSpec:
    """For one record kind and one basis: the rule ids checked, obligations and warnings."""

    basis: str
    checks: tuple[str, ...]
    obligations: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class KindSpec:
    """For one record kind: checks that apply whatever the basis, and the bases that fit."""

    checks: tuple[str, ...]
    bases: tuple[BasisSpec, ...]


@dataclass(frozen=True, eq=False)  # a pack is its identity: hashed by id() for caches
class RulePack:
    """A loaded rule pack."""

    id: str
    version: int
    valid_from: date
    valid_until: date | None
    rules: Mapping[str, Rule]
    kinds: Mapping[str, KindSpec]
    params: Mapping[str, Mapping[str, Any]]
    sectors: Mapping[str, Mapping[str, str]]
    calendar: WorkingDayCalendar
    obligation_sources: Mapping[str, str]

    @property
    def ref(self) -> str:
        """``id@version``, as every decision records it."""
        return f"{self.id}@{self.version}"

    def param(self, section: str, key: str) -> Any:
        """Return parameter ``key`` of ``section`` (``ssd_49a``, ``underretning``, …)."""
        return self.params[section][key]

    def sector_name(self, sector: str, lang: str = "da") -> str:
        """The sector's display name in ``lang``."""
        return self.sectors.get(sector, {}).get(lang, sector)

    def reason(self, rule_id: str, args: Mapping[str, Any]) -> Reason:
        """Build the Reason for a refusal by ``rule_id`` with message arguments ``args``."""
        rule = self.rules[rule_id]
        key = tuple((k, str(v)) for k, v in args.items())
        return Reason(rule.code, rule.id, rule.source, key, partial(self._texts, rule, args))

    def _texts(self, rule: Rule, args: Mapping[str, Any]) -> tuple[str, str, str, str]:
        da, en = self._localise(args)
        return (
            rule.message["da"].format_map(da),
            rule.message["en"].format_map(en),
            rule.remedy["da"].format_map(da),
            rule.remedy["en"].format_map(en),
        )

    def _localise(self, args: Mapping[str, Any]) -> tuple[_Blank, _Blank]:
        """The template arguments in Danish and in English (only sector names differ)."""
        da, en = _Blank(), _Blank()
        for key, value in args.items():
            if type(value) is str:
                if key.endswith("_sector"):
                    names = self.sectors.get(value, {})
                    da[key], en[key] = names.get("da", value), names.get("en", value)
                else:
                    da[key] = en[key] = value
            elif isinstance(value, (list, tuple, frozenset, set)):
                da[key] = en[key] = ", ".join(sorted(str(v) for v in value))
            else:
                da[key] = en[key] = "" if value is None else str(value)
        return da, en


def _source(data: Mapping[str, Any], documents: Mapping[str, str]) -> tuple[str, str]:
    doc, lines = str(data["doc"]), str(data["lines"])
    return f"{doc}:{lines}", documents.get(doc, doc)


def _rules(data: Mapping[str, Any], documents: Mapping[str, str]) -> dict[str, Rule]:
    rules = {}
    for rule_id, entry in data.items():
        ref, title = _source(entry["source"], documents)
        rules[rule_id] = Rule(
            rule_id, entry["code"], ref, title, dict(entry["message"]), dict(entry["remedy"])
        )
    return rules


def _kinds(data: Mapping[str, Any]) -> dict[str, KindSpec]:
    return {
        kind: KindSpec(
            checks=tuple(entry.get("checks") or ()),
            bases=tuple(
                BasisSpec(
                    basis,
                    tuple(spec["checks"]),
                    tuple(spec.get("obligations") or ()),
                    tuple(spec.get("warnings") or ()),
                )
                for basis, spec in (entry.get("bases") or {}).items()
            ),
        )
        for kind, entry in data.items()
    }


def build_pack(data: Mapping[str, Any]) -> RulePack:
    """Build a RulePack from its parsed data; raise PolicyError if it is malformed."""
    try:
        documents = {str(k): str(v) for k, v in data["documents"].items()}
        pack = RulePack(
            id=str(data["id"]),
            version=int(data["version"]),
            valid_from=data["valid_from"],
            valid_until=data.get("valid_until"),
            rules=_rules(data["rules"], documents),
            kinds=_kinds(data["kinds"]),
            params={k: data[k] for k in ("consent", "ssd_49a", "underretning")},
            sectors=data["sectors"],
            calendar=WorkingDayCalendar.from_pack(data["calendar"]),
            obligation_sources={
                name: _source(entry["source"], documents)[0]
                for name, entry in data["obligations"].items()
            },
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PolicyError(f"rule pack malformed: {exc!r}") from exc
    missing = {r for k in pack.kinds.values() for r in _rule_ids(k)} - set(pack.rules)
    if missing:
        raise PolicyError(f"rule pack {pack.id} names rules it does not define: {sorted(missing)}")
    return pack


def _rule_ids(kind: KindSpec) -> set[str]:
    return set(kind.checks).union(*(b.checks for b in kind.bases))


@cache
def available() -> tuple[str, ...]:
    """The ids of the shipped rule packs."""
    folder = resources.files("ssd_gateway.policy") / "packs"
    names = (p.name for p in folder.iterdir())
    return tuple(sorted(n.removesuffix(".yaml") for n in names if n.endswith(".yaml")))


@cache
def load(pack_id: str) -> RulePack:
    """Load the shipped pack ``pack_id``; raise PolicyError if there is none."""
    if pack_id not in available():
        raise PolicyError(f"unknown rule pack {pack_id!r}; known: {list(available())}")
    from ssd_gateway.policy._yaml import load_yaml

    source = resources.files("ssd_gateway.policy") / "packs" / f"{pack_id}.yaml"
    return build_pack(load_yaml(source.read_text(encoding="utf-8")))


def select(name: str | None, day: date) -> RulePack:
    """The pack a request names (``id`` or ``id@version``), or the one in force on ``day``."""
    if name:
        return _named(name)
    return _in_force(day)


@cache
def _named(name: str) -> RulePack:
    pack_id, _, version = name.partition("@")
    pack = load(pack_id)
    if version and version != str(pack.version):
        raise PolicyError(f"rule pack {pack_id} has version {pack.version}, not {version}")
    return pack


@lru_cache(maxsize=1024)
def _in_force(day: date) -> RulePack:
    for pack_id in available():
        pack = load(pack_id)
        if pack.valid_from <= day and (pack.valid_until is None or day < pack.valid_until):
            return pack
    raise PolicyError(f"no rule pack is in force on {day.isoformat()}")

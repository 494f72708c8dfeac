"""The journal-mapping side of quarantine: keep rejected records, and retry them.

``keep_rejected`` passes outcomes through and stores every ``Rejected`` one, so a batch
yields exactly (records mapped) + (records quarantined) = (records in the input).
``retry`` maps a kept payload again with the *current* mapping: on success the entry is
resolved and the records are returned for output or submission; on failure the entry stays
open with the new reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ssd_gateway.exceptions import ConfigurationError
from ssd_gateway.mapping import Mapped, Mapping, MappingProblem, Outcome, Rejected, map_bytes
from ssd_gateway.model import Record, ValidationSettings
from ssd_gateway.quarantine.store import NewEntry, Quarantined, QuarantineStore

SOURCE = "mapping"


def entry_for(rejected: Rejected, mapping: Mapping, origin: str | None) -> NewEntry:
    """The quarantine entry of a rejected record (problems without source values)."""
    return NewEntry(
        source=SOURCE, reason_codes=rejected.reason_codes,
        problems=[p.to_json() for p in rejected.problems], payload=rejected.payload,
        content_type=rejected.content_type, origin=origin, mapping_id=mapping.id,
        mapping_version=mapping.version, record_kind=mapping.kind, scope=rejected.scope,
        location=rejected.location.render())


def keep_rejected(outcomes: Iterable[Outcome], store: QuarantineStore, mapping: Mapping,
                  origin: str | None = None) -> Iterator[tuple[Outcome, int | None]]:
    """Yield each outcome with its quarantine id (None for a mapped record)."""
    for outcome in outcomes:
        if isinstance(outcome, Rejected):
            yield outcome, store.add(entry_for(outcome, mapping, origin))
        else:
            yield outcome, None


@dataclass(frozen=True)
class RetryResult:
    """What a retry gave: the records (resolved) or the problems that remain."""

    entry: Quarantined
    records: list[Record] = field(default_factory=list)
    problems: list[MappingProblem] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        """True if the entry is now resolved."""
        return self.entry.status == "resolved"


def retry(store: QuarantineStore, entry_id: int, mapping: Mapping,
          settings: ValidationSettings | None = None) -> RetryResult:
    """Map a quarantined payload again with ``mapping``; resolve the entry if it all maps."""
    entry = store.get(entry_id)
    if entry.source != SOURCE:
        raise ConfigurationError(f"entry {entry_id} came from '{entry.source}', not a mapping")
    outcomes = list(map_bytes(mapping, entry.payload, settings=settings,
                              single=entry.scope == "record"))
    records = [o.record for o in outcomes if isinstance(o, Mapped)]
    problems = [p for o in outcomes if isinstance(o, Rejected) for p in o.problems]
    if records and not problems:
        return RetryResult(store.resolve(entry_id), records=records)
    codes = list(dict.fromkeys(p.code for p in problems)) or ["NO_RECORD"]
    updated = store.record_failure(entry_id, codes, [p.to_json() for p in problems])
    return RetryResult(updated, problems=problems)

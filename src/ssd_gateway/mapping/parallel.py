"""Optional multi-process mapping of large XML exports (``--jobs N``), records kept in order.

The main process streams the export with ``iterparse`` as ``map_file`` does, serialises each
record element (the bytes a ``Rejected`` record keeps anyway) and hands batches of them to
``jobs`` worker processes, which parse, map and validate them. At most ``2 × jobs + 1`` batches
are in flight, so memory stays flat; outcomes come back in document order.

A worker sees a record on its own, so its line numbers are shifted back to the document's
and its record path is the document's (``/p:Root/p:Record[n]``); a record's outcome is the
one ``map_file`` gives. Only XML mappings whose paths are plain child steps (no full XPath
expressions, which might look outside the record) are mapped in parallel; anything else,
or ``jobs`` ≤ 1, falls back to ``map_file``.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from lxml import etree

from ssd_gateway.mapping.engine import _document_failure, map_file, map_record
from ssd_gateway.mapping.errors import MappingInvalid
from ssd_gateway.mapping.loader import Mapping, parse_mapping
from ssd_gateway.mapping.outcome import Mapped, Outcome, Rejected, SourceLocation
from ssd_gateway.mapping.rules import GroupRule, ObjectRule, Rule, ValueRule
from ssd_gateway.mapping.sources import SourceFailure, SourceRecord
from ssd_gateway.mapping.sources.xmlsrc import XmlFormat, XmlPath, _parser_options
from ssd_gateway.model import ValidationSettings

#: records per batch handed to a worker
BATCH = 64

#: (index, record path, line of the record element, serialised record)
Job = tuple[int, str, int | None, bytes]

_worker: dict[str, Any] = {}


def parallel_ok(mapping: Mapping) -> bool:
    """True if ``mapping`` reads XML through plain child paths only."""
    if not isinstance(mapping.format, XmlFormat):
        return False

    def plain(path: Any) -> bool:
        return isinstance(path, XmlPath) and path._xpath is None

    def check(rules: list[Rule]) -> bool:
        for rule in rules:
            if rule.when is not None and not plain(rule.when.path):
                return False
            if isinstance(rule, ValueRule) and not all(plain(p) for p in rule.paths):
                return False
            if isinstance(rule, GroupRule) and not plain(rule.each):
                return False
            if isinstance(rule, ObjectRule | GroupRule) and not check(rule.children):
                return False
        return True

    return check(mapping.rules)


def map_file_parallel(mapping: Mapping, path: str | Path, jobs: int, *,
                      settings: ValidationSettings | None = None,
                      explain: bool = False) -> Iterator[Outcome]:
    """Map every record of the file at ``path`` with ``jobs`` processes, in document order."""
    checked = settings or ValidationSettings()
    text = _mapping_text(mapping) if jobs > 1 and parallel_ok(mapping) else None
    if text is None:
        yield from map_file(mapping, path, settings=checked, explain=explain)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_init, initargs=(text, mapping.file, checked, explain)) \
            as pool, open(path, "rb") as stream:
        pending: deque[Any] = deque()
        batch: list[Job] = []
        count = 0
        for item in mapping.format.read(stream):
            if isinstance(item, SourceFailure):
                if batch:
                    pending.append(pool.apply_async(_map_batch, (batch,)))
                while pending:
                    yield from pending.popleft().get()
                yield _document_failure(mapping, item, count + 1)
                return
            count = item.index
            batch.append((item.index, item.location.path, item.location.line, item.raw()))
            if len(batch) == BATCH:
                pending.append(pool.apply_async(_map_batch, (batch,)))
                batch = []
                while len(pending) > 2 * jobs:
                    yield from pending.popleft().get()
        if batch:
            pending.append(pool.apply_async(_map_batch, (batch,)))
        while pending:
            yield from pending.popleft().get()


def _mapping_text(mapping: Mapping) -> str | None:
    """The mapping file's text, if it still compiles to the same mapping."""
    try:
        text = Path(mapping.file).read_text(encoding="utf-8")
        again = parse_mapping(text, mapping.file)
    except (OSError, UnicodeDecodeError, MappingInvalid):
        return None
    return text if again.spec == mapping.spec else None


def _init(text: str, name: str, settings: ValidationSettings, explain: bool) -> None:
    _worker["mapping"] = parse_mapping(text, name)
    _worker["settings"] = settings
    _worker["explain"] = explain
    _worker["parser"] = etree.XMLParser(**_parser_options())


def _map_batch(batch: list[Job]) -> list[Outcome]:
    return [_map_one(*job) for job in batch]


def _map_one(index: int, base: str, line: int | None, raw: bytes) -> Outcome:
    mapping: Mapping = _worker["mapping"]
    root = etree.fromstring(raw, _worker["parser"])
    here = SourceLocation(base, root.sourceline)
    record = SourceRecord(index, (root, base, {}), here, lambda: raw)
    outcome = map_record(mapping, record, _worker["settings"], _worker["explain"])
    shift = (line - root.sourceline) if line is not None and root.sourceline else 0
    if not shift:
        return outcome
    if isinstance(outcome, Rejected):
        return replace(outcome, location=_moved(outcome.location, shift),
                       problems=[replace(p, location=_moved(p.location, shift))
                                 for p in outcome.problems])
    return replace(outcome, location=_moved(outcome.location, shift),
                   explanation=[replace(e, location=_moved(e.location, shift))
                                if e.location is not None else e
                                for e in outcome.explanation])


def _moved(location: SourceLocation, shift: int) -> SourceLocation:
    if location.line is None:
        return location
    return replace(location, line=location.line + shift)


__all__ = ["Mapped", "map_file_parallel", "parallel_ok"]

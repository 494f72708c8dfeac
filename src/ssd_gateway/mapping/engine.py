"""The mapping engine: a document in, one ``Mapped`` or ``Rejected`` outcome per record out.

Records stream through one at a time, so memory stays flat however long the export. For each
record the rules build a canonical dict, which ``parse_record`` validates; the problems of
the transforms and of the model are reported together, each with its target field and its
source location. A bad record never stops the batch; a document that cannot be read at all
(unsafe or broken XML, broken JSON, a CSV header that lacks the mapped columns) gives one
``Rejected`` of scope ``document`` carrying the whole document.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.mapping.build import Finished, Obj, finish, plain
from ssd_gateway.mapping.loader import Mapping, template_of
from ssd_gateway.mapping.messages import texts
from ssd_gateway.mapping.outcome import (
    Explained,
    Mapped,
    MappingProblem,
    Outcome,
    Rejected,
    SourceLocation,
)
from ssd_gateway.mapping.sources import SourceFailure, SourceRecord
from ssd_gateway.model import ValidationSettings, parse_record

_PARENT = re.compile(r"(?:(?:^|\.)[^.\[]+|\[\d+\])$")


def map_file(mapping: Mapping, path: str | Path, *, settings: ValidationSettings | None = None,
             explain: bool = False) -> Iterator[Outcome]:
    """Map every record of the file at ``path``."""
    with open(path, "rb") as stream:
        yield from map_stream(mapping, stream, settings=settings, explain=explain)


def map_bytes(mapping: Mapping, data: bytes, *, settings: ValidationSettings | None = None,
              explain: bool = False, single: bool = False) -> Iterator[Outcome]:
    """Map every record of ``data``; ``single`` for a quarantined record's own payload."""
    yield from map_stream(mapping, io.BytesIO(data), settings=settings, explain=explain,
                          single=single)


def map_stream(mapping: Mapping, stream: IO[bytes], *,
               settings: ValidationSettings | None = None, explain: bool = False,
               single: bool = False) -> Iterator[Outcome]:
    """Map every record of a seekable binary stream, one at a time."""
    checked = settings or ValidationSettings()
    count = 0
    for item in mapping.format.read(stream, single=single):
        if isinstance(item, SourceFailure):
            yield _document_failure(mapping, item, count + 1)
            return
        count = item.index
        yield map_record(mapping, item, checked, explain)


def _document_failure(mapping: Mapping, failure: SourceFailure, index: int) -> Rejected:
    da, en = texts(failure.code, failure.context)
    problem = MappingProblem("", failure.code, da, en, failure.location)
    return Rejected(index, failure.location, [problem], failure.raw(),
                    mapping.format.content_type, scope="document")


def map_record(mapping: Mapping, record: SourceRecord, settings: ValidationSettings,
               explain: bool = False) -> Outcome:
    """Map one source record to a Mapped or Rejected outcome."""
    if not explain and not record.problems and mapping.fast is not None:
        # The common case: the compiled fast path builds the data; if it gives up, or the
        # model refuses the data, the rules below run and report every problem.
        data = mapping.fast.build(record.node)
        if data is not None:
            data["kind"] = mapping.kind
            try:
                return Mapped(record.index, record.location, parse_record(data, settings), [])
            except RecordInvalid:
                pass
    root = Obj(record.location)
    for rule in mapping.rules:
        rule.apply(record.node, root, record.location)
    invalid: RecordInvalid | None = None
    if not explain and not record.problems:
        data, flagged = plain(root)
        if not flagged:
            data["kind"] = mapping.kind
            try:
                return Mapped(record.index, record.location, parse_record(data, settings), [])
            except RecordInvalid as exc:
                invalid = exc
    built = finish(root)
    built.data["kind"] = mapping.kind
    problems = [_problem("", code, ctx, record.location) for code, ctx in record.problems]
    problems += [_problem(path, leaf.problem[0], leaf.problem[1],
                          leaf.location or _locate(mapping, built, path, record.location))
                 for path, leaf in built.leaves.items() if leaf.problem is not None]
    try:
        if invalid is not None:
            raise invalid
        parsed = parse_record(built.data, settings)
    except RecordInvalid as exc:
        reported = {p.target for p in problems}
        problems += [
            MappingProblem(p.path, p.code, p.message_da, p.message_en,
                           _locate(mapping, built, p.path, record.location))
            for p in exc.problems if not _covered(p.path, reported)
        ]
        parsed = None
    if problems or parsed is None:
        return Rejected(record.index, record.location, problems, record.raw(),
                        mapping.format.content_type)
    return Mapped(record.index, record.location, parsed, _explain(built) if explain else [])


def _problem(target: str, code: str, context: dict[str, object],
             location: SourceLocation) -> MappingProblem:
    da, en = texts(code, context)
    return MappingProblem(target, code, da, en, location)


def _covered(path: str, reported: set[str]) -> bool:
    return any(path == r or path.startswith((r + ".", r + "[")) for r in reported if r)


def _locate(mapping: Mapping, built: Finished, path: str,
            fallback: SourceLocation) -> SourceLocation:
    """The source location of a target path: its value's, else its source node's."""
    leaf = built.leaves.get(path)
    if leaf is not None and leaf.where is not None and leaf.location is not None:
        return leaf.location
    for key, other in built.leaves.items():
        if key.startswith((path + ".", path + "[")) and other.where is not None:
            location = other.location
            if location is not None:
                return location
    anchor, parent = fallback, path
    while parent:
        shorter = _PARENT.sub("", parent)
        if shorter == parent:
            break
        parent = shorter
        if parent in built.anchors:
            anchor = built.anchors[parent]
            break
    rel = mapping.sources_of.get(template_of(path))
    if rel is None or rel == ".":
        return anchor
    return mapping.format.join(anchor, rel)


def _explain(built: Finished) -> list[Explained]:
    return [Explained(path, leaf.value, leaf.source, leaf.location, leaf.rule)
            for path, leaf in built.leaves.items() if leaf.value is not None]

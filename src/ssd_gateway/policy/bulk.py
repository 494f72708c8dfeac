"""Bulk decisions over JSON lines: one request per line in, one decision per line out.

Kept lean on purpose (no pydantic, FHIR or XML imports): ``ssd-gateway policy decide -``
should start in well under a second and then decide tens of thousands of requests a second.
Large inputs are split into chunks decided by worker processes, in input order. A line that
cannot be decided (not JSON, unknown rule pack, bad profile) yields an ``error`` line so that
output line *n* always answers input line *n*.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from ssd_gateway.exceptions import PolicyError
from ssd_gateway.policy.engine import decide

#: bytes per chunk handed to a worker (cut after the last whole line; about 1,000 requests)
CHUNK_BYTES = 1 << 20


def request_of(document: Any) -> Any:
    """The request inside a scenario file (``{"request": …, "expect": …}``), or the document."""
    if isinstance(document, dict) and "request" in document and "at" not in document:
        return document["request"]
    return document


def _error(code: str, message: str) -> bytes:
    return orjson.dumps({"error": {"code": code, "message": message}})


def decide_line(line: bytes) -> bytes:
    """Decide one JSON line; return the decision (or an error object) as JSON, no newline."""
    try:
        document = orjson.loads(line)
    except orjson.JSONDecodeError:
        return _error("INVALID_JSON", "the line is not a JSON document")
    try:
        return orjson.dumps(decide(request_of(document)).as_dict())
    except PolicyError as exc:
        return _error(exc.code, str(exc))


def decide_chunk(chunk: bytes) -> bytes:
    """Decide every non-blank line of ``chunk``; one output line per decided line."""
    out = [decide_line(line) for line in chunk.split(b"\n") if line.strip()]
    return b"\n".join(out) + b"\n" if out else b""


def _chunks(source: BinaryIO) -> Iterator[bytes]:
    """Whole lines of ``source`` in blocks of about CHUNK_BYTES, read without a loop per line."""
    rest = b""
    while block := source.read(CHUNK_BYTES):
        if rest:
            block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        if cut:
            yield block[:cut]
    if rest:
        yield rest + b"\n"


def decide_stream(source: BinaryIO, sink: BinaryIO, jobs: int | None = None) -> None:
    """Decide every line of ``source`` into ``sink``; use ``jobs`` processes (default: CPUs)."""
    jobs = jobs or os.cpu_count() or 1
    chunks = _chunks(source)
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    if second is None or jobs == 1:  # small input: a pool would cost more than it saves
        sink.write(decide_chunk(first))
        if second is not None:
            sink.write(decide_chunk(second))
            for chunk in chunks:
                sink.write(decide_chunk(chunk))
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        for out in pool.imap(decide_chunk, _prepend(first, second, chunks)):
            sink.write(out)


def _prepend(first: bytes, second: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield second
    yield from rest

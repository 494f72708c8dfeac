"""What mapping one source record gives: a ``Mapped`` record or a ``Rejected`` one.

Every problem names the target field and the place in the source (an XPath with its line,
a JSON pointer, or a CSV line and column), so an integrator can find it in both files.
Problems never carry source values: they may be printed or logged; values are shown only by
``--explain`` and kept in quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ssd_gateway.model import Record


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a source document: ``path`` (XPath, JSON pointer, CSV column) and line."""

    path: str
    line: int | None = None
    column: int | None = None

    def render(self) -> str:
        """Return e.g. ``/s:Eksport/s:Stafetlog[2]/s:Barn/s:CprNr (linje 14)``."""
        where = [f"linje {self.line}"] if self.line is not None else []
        if self.column is not None:
            where.append(f"kolonne {self.column}")
        return f"{self.path} ({', '.join(where)})" if where else self.path

    def to_json(self) -> dict[str, Any]:
        """Return the location as JSON data (no None fields)."""
        out: dict[str, Any] = {"path": self.path}
        if self.line is not None:
            out["line"] = self.line
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclass(frozen=True, slots=True)
class MappingProblem:
    """One problem of one record: target field, stable code, texts and source location."""

    target: str
    code: str
    message_da: str
    message_en: str
    location: SourceLocation

    def render(self, lang: str = "da") -> str:
        """Return ``location → target: message``."""
        message = self.message_en if lang == "en" else self.message_da
        return f"{self.location.render()} → {self.target or '<post>'}: {message}"

    def to_json(self) -> dict[str, Any]:
        """Return the problem as JSON data."""
        return {"target": self.target, "code": self.code, "message_da": self.message_da,
                "message_en": self.message_en, "source": self.location.to_json()}


@dataclass(frozen=True, slots=True)
class Explained:
    """For ``--explain``: which source value became which target value."""

    target: str
    value: Any
    source_value: Any
    location: SourceLocation | None
    rule: str


@dataclass(frozen=True)
class Mapped:
    """A source record that became a valid canonical record."""

    index: int
    location: SourceLocation
    record: Record
    explanation: list[Explained] = field(default_factory=list)


@dataclass(frozen=True)
class Rejected:
    """A source record (or a whole document) that could not be mapped, with every reason.

    ``scope`` is ``record`` when ``payload`` is one record's raw bytes, or ``document`` when
    the document itself failed (unsafe XML, broken syntax) and ``payload`` is all of it.
    """

    index: int
    location: SourceLocation
    problems: list[MappingProblem]
    payload: bytes
    content_type: str
    scope: str = "record"

    @property
    def reason_codes(self) -> list[str]:
        """The distinct problem codes, in order of first appearance."""
        return list(dict.fromkeys(p.code for p in self.problems))


Outcome = Mapped | Rejected

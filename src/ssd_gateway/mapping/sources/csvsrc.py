"""CSV exports, read row by row with the csv module.

Options: ``delimiter`` (``;`` in Danish Excel exports), ``quotechar``, ``encoding``
(``cp1252`` for Windows exports, ``utf-8-sig`` for UTF-8 with a byte-order mark, any Python
codec), ``header_row`` (default true) and ``header`` (the column names the mapping expects;
required when the file has no header row). A field path is a column name.

Lines are decoded one at a time, so a byte the encoding cannot read rejects only its own row,
and each row's raw bytes (with the header line in front) are kept exactly for quarantine.
"""

from __future__ import annotations

import csv
from typing import IO, Any

from ssd_gateway.mapping.outcome import SourceLocation
from ssd_gateway.mapping.sources import Items, Located, SourceFailure, SourceRecord


class CsvRow:
    """One row: its cells, the header's column positions and its first line."""

    __slots__ = ("cells", "columns", "line")

    def __init__(self, cells: list[str], columns: dict[str, int], line: int) -> None:
        self.cells = cells
        self.columns = columns
        self.line = line


class CsvColumn:
    """A compiled column reference."""

    def __init__(self, name: str) -> None:
        self.text = name

    def values(self, node: CsvRow) -> list[Any]:
        """The cell of this column (none if the row is too short or the column unknown)."""
        index = node.columns.get(self.text)
        if index is None or index >= len(node.cells):
            return []
        return [node.cells[index]]

    def locate(self, node: CsvRow, index: int) -> SourceLocation:
        """Column name, the row's first line and the column's position."""
        del index
        column = node.columns.get(self.text)
        return SourceLocation(self.text, node.line, None if column is None else column + 1)

    def nodes(self, node: CsvRow) -> list[Located]:
        """CSV has no nested nodes; groups over a column split its text (``each.split``)."""
        return [(v, self.locate(node, 0)) for v in self.values(node)]


class _Lines:
    """Feeds decoded lines to csv.reader and remembers the raw bytes of the current row."""

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self._stream = stream
        self._encoding = encoding
        self.number = 0
        self.raw: list[bytes] = []
        self.bad_lines: list[int] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._stream.readline()
        if not line:
            raise StopIteration
        self.number += 1
        self.raw.append(line)
        try:
            return line.decode(self._encoding)
        except UnicodeDecodeError:
            self.bad_lines.append(self.number)
            return line.decode(self._encoding, errors="replace")

    def start_row(self) -> None:
        self.raw = []
        self.bad_lines = []


class CsvFormat:
    """Reads CSV exports; see the module docstring for the options."""

    content_type = "text/csv"

    def __init__(self, delimiter: str, quotechar: str, encoding: str, header_row: bool,
                 header: list[str] | None, used_columns: set[str] | None = None) -> None:
        self.delimiter = delimiter
        self.quotechar = quotechar
        self.encoding = encoding
        self.header_row = header_row
        self.header = header
        self.used_columns = used_columns or set()
        self.content_type = f"text/csv; charset={encoding}"

    def compile(self, path: str) -> CsvColumn:
        """A column name; checked against ``header`` when the mapping declares one."""
        if self.header is not None and path not in self.header:
            raise ValueError(f"column '{path}' is not in source.header")
        return CsvColumn(path)

    def join(self, base: SourceLocation, rel: str) -> SourceLocation:
        """Column ``rel`` on the row's line."""
        return SourceLocation(rel, base.line)

    def read(self, stream: IO[bytes], single: bool = False) -> Items:
        """Yield one record per non-empty row."""
        lines = _Lines(stream, self.encoding)
        reader = csv.reader(lines, delimiter=self.delimiter, quotechar=self.quotechar)
        header_raw = b""
        names = self.header or []
        if self.header_row:
            lines.start_row()
            first = next(reader, None)
            header_raw = b"".join(lines.raw)
            if first is None:
                return
            failure = self._check_header(first, lines, stream)
            if failure is not None:
                yield failure
                return
            names = [n.strip() for n in first]
        columns = {name: i for i, name in enumerate(names)}
        yield from self._rows(reader, lines, columns, header_raw)

    def _check_header(self, first: list[str], lines: _Lines,
                      stream: IO[bytes]) -> SourceFailure | None:
        found = {n.strip() for n in first}
        expected = set(self.header or []) | self.used_columns
        lacking = sorted(expected - found)
        if not lacking and not lines.bad_lines:
            return None

        def whole() -> bytes:
            stream.seek(0)
            return stream.read()

        if lines.bad_lines:
            return SourceFailure(SourceLocation("(overskrift)", 1), "encoding",
                                 {"encoding": self.encoding}, whole)
        return SourceFailure(SourceLocation("(overskrift)", 1), "csv_header",
                             {"missing": ", ".join(lacking)}, whole)

    def _rows(self, reader: Any, lines: _Lines, columns: dict[str, int],
              header_raw: bytes) -> Items:
        count = 0
        while True:
            lines.start_row()
            start = lines.number + 1
            problems: list[tuple[str, dict[str, object]]] = []
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if not lines.raw:
                    return
                cells = []
                problems.append(("csv_syntax", {"detail": str(exc)}))
            if not problems and not any(c.strip() for c in cells):
                continue
            count += 1
            raw = header_raw + b"".join(lines.raw)
            problems += [("encoding", {"encoding": self.encoding}) for _ in lines.bad_lines[:1]]
            if cells and len(cells) != len(columns):
                problems.append(("csv_columns", {"found": len(cells), "expected": len(columns)}))
            yield SourceRecord(count, CsvRow(cells, columns, start),
                               SourceLocation(f"post {count}", start), _const(raw), problems)


def _const(raw: bytes) -> Any:
    return lambda: raw

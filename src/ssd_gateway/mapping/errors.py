"""Errors of the mapping layer: a mapping file that cannot be used, with its line numbers.

Problems with *input* records are not exceptions: they come back as ``Rejected`` outcomes
(``ssd_gateway.mapping.outcome``), so a batch continues past a bad record.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssd_gateway.exceptions import GatewayError


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a mapping file: where (file, line, key path) and what."""

    file: str
    line: int | None
    key: str
    message: str

    def render(self) -> str:
        """Return ``file:line: key: message`` as an editor would show it."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key or '<root>'}: {self.message}"


class MappingInvalid(GatewayError):
    """A mapping file is malformed: unknown keys, bad paths, unknown target fields."""

    code = "MAPPING_INVALID"

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.render() for p in problems))

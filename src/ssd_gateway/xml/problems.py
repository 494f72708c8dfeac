"""Problems found in XML documents: codes, Danish and English texts, line numbers.

Texts never quote the offending value: a value that fails a pattern may be a CPR number, and
problems travel into acknowledgements and logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ssd_gateway.exceptions import Problem, UnsafeInput

#: code -> (Danish, English); ``{…}`` placeholders are filled from the context
TEXTS: dict[str, tuple[str, str]] = {
    "xml_too_large": (
        "dokumentet er for stort ({size} bytes; højst {limit} bytes)",
        "the document is too large ({size} bytes; at most {limit} bytes)",
    ),
    "xml_doctype_forbidden": (
        "dokumentet indeholder en DOCTYPE-, DTD- eller entitetserklæring; det accepteres aldrig",
        "the document contains a DOCTYPE, DTD or entity declaration; these are never accepted",
    ),
    "xml_entity_forbidden": (
        "dokumentet indeholder en entitetsreference; det accepteres aldrig",
        "the document contains an entity reference; these are never accepted",
    ),
    "xml_resource_limit": (
        "dokumentet overskrider en sikkerhedsgrænse (indlejringsdybde eller entitetsudvidelse)",
        "the document exceeds a safety limit (nesting depth or entity expansion)",
    ),
    "xml_not_bytes": (
        "dokumentet skal gives som bytes",
        "the document must be given as bytes",
    ),
    "xml_not_well_formed": (
        "dokumentet er ikke velformet XML: {detail}",
        "the document is not well-formed XML: {detail}",
    ),
    "xml_unknown_document": (
        "ukendt dokumenttype {root}; forventet: {expected}",
        "unknown document type {root}; expected: {expected}",
    ),
    "xml_missing_element": (
        "elementet {expected} mangler",
        "the element {expected} is missing",
    ),
    "xml_unexpected_element": (
        "uventet element {tag}; forventet: {expected}",
        "unexpected element {tag}; expected: {expected}",
    ),
    "xml_pattern": (
        "værdien har forkert format; forventet: {expected}",
        "the value has the wrong format; expected: {expected}",
    ),
    "xml_enumeration": (
        "ugyldig værdi; tilladt: {allowed}",
        "invalid value; allowed: {allowed}",
    ),
    "xml_invalid_value": (
        "ugyldig værdi; forventet: {expected}",
        "invalid value; expected: {expected}",
    ),
    "xml_out_of_range": (
        "værdien ligger uden for det tilladte ({range})",
        "the value is out of range ({range})",
    ),
    "xml_schema_invalid": (
        "dokumentet overholder ikke skemaet: {detail}",
        "the document does not follow the schema: {detail}",
    ),
    "xml_invalid_character": (
        "teksten indeholder et tegn, som XML ikke kan bære (fx et kontroltegn)",
        "the text contains a character XML cannot carry (e.g. a control character)",
    ),
}


@dataclass(frozen=True)
class XmlProblem(Problem):
    """A Problem in an XML document; ``line`` is its line number when known."""

    line: int | None = None


def xml_problem(
    code: str, path: str = "", line: int | None = None, **context: object
) -> XmlProblem:
    """Build an XmlProblem with the Danish and English texts of ``code``.

    A context value may be a (Danish, English) pair; anything else is used in both texts.
    """
    da_template, en_template = TEXTS[code]
    da = da_template.format(**{k: _lang(v, 0) for k, v in context.items()})
    en = en_template.format(**{k: _lang(v, 1) for k, v in context.items()})
    if line is not None:
        da, en = f"{da} (linje {line})", f"{en} (line {line})"
    return XmlProblem(path=path, code=code, message_da=da, message_en=en, line=line)


class UnsafeXml(UnsafeInput):
    """XML refused before it was trusted to a parser: DTD, entities or oversize."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(
            f"Dokument afvist: {problem.message_da}. / Document refused: {problem.message_en}."
        )


def _lang(value: object, index: int) -> str:
    if isinstance(value, tuple) and len(value) == 2:
        return str(value[index])
    return str(value)


_QUOTED_VALUE = re.compile(r"[Tt]he value '[^']*'")


def scrub(detail: str) -> str:
    """Remove a quoted value from a parser or validator message (it may be personal data)."""
    return _QUOTED_VALUE.sub("the value", detail).strip()

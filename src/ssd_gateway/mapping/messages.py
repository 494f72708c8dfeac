"""Danish and English texts of the problems the mapping layer itself finds."""

from __future__ import annotations

from ssd_gateway.model.messages import texts as model_texts

MESSAGES: dict[str, tuple[str, str]] = {
    "source_missing": ("kildefeltet mangler eller er tomt", "the source field is missing or empty"),
    "unknown_code": (
        "koden findes ikke i kodelisten '{codes}'",
        "the code is not in the code map '{codes}'",
    ),
    "not_boolean": ("værdien er hverken ja eller nej", "the value is neither yes nor no"),
    "not_integer": ("værdien er ikke et heltal", "the value is not a whole number"),
    "datetime_format": (
        "ukendt tidspunkt; brug fx 14.03.2026 13:05 eller 2026-03-14T13:05",
        "unknown date and time; use e.g. 14.03.2026 13:05 or 2026-03-14T13:05",
    ),
    "not_text": ("værdien skal være tekst", "the value must be text"),
    "template_failed": ("skabelonen kunne ikke udfyldes", "the template could not be filled in"),
    "xml_syntax": ("XML-fejl: {detail}", "XML syntax error: {detail}"),
    "xml_unsafe": (
        "XML med DOCTYPE/ENTITY afvises af sikkerhedshensyn",
        "XML with a DOCTYPE or ENTITY declaration is refused for safety",
    ),
    "json_syntax": ("JSON-fejl: {detail}", "JSON syntax error: {detail}"),
    "json_records": (
        "stien til posterne peger ikke på en liste eller et objekt",
        "the records path does not point at an array or an object",
    ),
    "encoding": (
        "linjen kan ikke læses som {encoding}",
        "the line cannot be decoded as {encoding}",
    ),
    "csv_columns": (
        "rækken har {found} kolonner, overskriften har {expected}",
        "the row has {found} columns, the header has {expected}",
    ),
    "csv_header": (
        "overskriften passer ikke til mappingen; mangler: {missing}",
        "the header does not match the mapping; missing: {missing}",
    ),
    "csv_syntax": ("CSV-fejl: {detail}", "CSV syntax error: {detail}"),
    "not_a_record": ("posten er ikke et JSON-objekt", "the record is not a JSON object"),
}


def texts(code: str, context: dict[str, object] | None = None) -> tuple[str, str]:
    """Return the Danish and English text of a mapping or model problem code."""
    template = MESSAGES.get(code)
    if template is None:
        return model_texts(code, context, code)
    ctx = {k: str(v) for k, v in (context or {}).items()}
    try:
        return template[0].format(**ctx), template[1].format(**ctx)
    except (KeyError, IndexError):
        return template

"""``ssd-gateway render`` and ``ssd-gateway validate``: records to messages, and checking them."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ssd_gateway.exceptions import Problem


def register(app: typer.Typer) -> None:
    """Add the ``render`` and ``validate`` commands."""

    @app.command()
    def render(
        record: Path = typer.Argument(..., exists=True, dir_okay=False,
                                      help="message JSON (envelope with a record)"),
        format: str = typer.Option("fhir", "--format", "-f", help="fhir | xml"),
        lang: str = typer.Option("da", help="da | en"),
    ) -> None:
        """Omsæt en meddelelse til FHIR eller XML. / Render a message as FHIR or XML."""
        from ssd_gateway.cli.errors import exit_on_error
        from ssd_gateway.model import parse_message

        with exit_on_error(lang):
            message = parse_message(_load_json(record))
            if format == "xml":
                from ssd_gateway.xml import message_to_xml

                typer.echo(message_to_xml(message).decode())
            elif format == "fhir":
                from ssd_gateway.fhir import message_to_bundle

                typer.echo(json.dumps(message_to_bundle(message), indent=2, ensure_ascii=False))
            else:
                raise typer.BadParameter("use fhir or xml", param_hint="--format")

    @app.command()
    def validate(
        file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                    help="FHIR Bundle JSON or XML message"),
        lang: str = typer.Option("da", help="da | en"),
    ) -> None:
        """Kontrollér en FHIR- eller XML-meddelelse. / Validate a FHIR or XML message."""
        from ssd_gateway.cli.errors import EXIT_INVALID, exit_on_error

        data = file.read_bytes()
        with exit_on_error(lang):
            problems = _validate_bytes(data)
        for problem in problems:
            typer.echo(problem.render(lang), err=True)
        if problems:
            raise typer.Exit(EXIT_INVALID)
        typer.echo("gyldig" if lang == "da" else "valid")


def _load_json(path: Path) -> object:
    from ssd_gateway.exceptions import RecordInvalid

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordInvalid([Problem("", "json_invalid", f"ugyldig JSON: {exc}",
                                     f"invalid JSON: {exc}")]) from None


def _validate_bytes(data: bytes) -> list[Problem]:
    """Detect the format (XML starts with '<', FHIR JSON with '{') and validate."""
    head = data.lstrip()[:1]
    if head == b"<":
        from ssd_gateway.xml import validate_xml

        return list(validate_xml(data))
    if head == b"{":
        from ssd_gateway.fhir import validate_bundle

        try:
            bundle = json.loads(data)
        except json.JSONDecodeError as exc:
            return [Problem("", "json_invalid", f"ugyldig JSON: {exc}", f"invalid JSON: {exc}")]
        return list(validate_bundle(bundle))
    return [Problem("", "format_unknown", "hverken XML eller FHIR JSON",
                    "neither XML nor FHIR JSON")]

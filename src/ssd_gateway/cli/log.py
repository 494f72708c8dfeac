"""``ssd-gateway log …``: verify, query, export, report on and sign the evidence log.

``--data DIR`` names the gateway's state directory (its ``gateway.db``); ``--config`` a TOML
settings file. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ssd_gateway.audit.store import LogQuery
    from ssd_gateway.settings import Settings

log_app = typer.Typer(help="Bevislog: kontrol, søgning, eksport, rapporter. "
                           "/ Evidence log: verify, query, export, report.",
                      no_args_is_help=True)

DATA = typer.Option(None, "--data", help="Gatewayens datamappe / the gateway's state dir")
CONFIG = typer.Option(None, "--config", help="TOML-indstillinger / TOML settings file")


def register(app: typer.Typer) -> None:
    """Add the ``log`` command group to the root app."""
    app.add_typer(log_app, name="log")


def _settings(data: Path | None, config: Path | None) -> Settings:
    from ssd_gateway.settings import load_settings

    overrides: dict[str, Any] = {"data_dir": data} if data is not None else {}
    return load_settings(config, **overrides)


def _engine(settings: Settings) -> Engine:
    from sqlalchemy import inspect

    from ssd_gateway.db import make_engine

    url = settings.effective_database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        _fail(f"ingen database / no database at {url}")
    engine = make_engine(url)
    if not inspect(engine).has_table("audit_entry"):
        _fail(f"ingen bevislog i / no evidence log in {url}")
    return engine


def _every_gateway(data: Path) -> list[Path]:
    """The gateway.toml files of a folder holding several gateways (a sandbox or a demo)."""
    if (data / "gateway.db").exists():
        return []
    return sorted(data.glob("*/gateway.toml"))


def _verify_each(configs: list[Path], cert: Path | None, as_json: bool) -> None:
    """Verify every gateway's log; exit 1 if any is altered."""
    from sqlalchemy.orm import Session

    from ssd_gateway.audit.signing import load_certificate
    from ssd_gateway.audit.verify import verify_session

    results: dict[str, Any] = {}
    ok = True
    for config in configs:
        settings = _settings(None, config)
        url = settings.effective_database_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            typer.echo(f"{settings.organisation.org_id}: ingen database (aldrig startet) / "
                       "no database (never started)")
            continue
        own = cert or settings.tls.cert_file
        with Session(_engine(settings)) as session:
            report = verify_session(session, load_certificate(own) if own else None)
        ok = ok and report.ok
        name = settings.organisation.org_id
        results[name] = report.as_json()
        if not as_json:
            for finding in report.findings:
                typer.echo(f"{name}: {finding.render()}")
            verdict = "OK" if report.ok else "FEJL / FAILED"
            typer.echo(f"{name}: {verdict}: {report.entries} entries, {report.heads} signed "
                       f"heads, root {report.root.hex()}")
    if as_json:
        typer.echo(json.dumps(results, indent=2))
    raise typer.Exit(0 if ok else 1)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _time(value: str | None) -> datetime | None:
    """ISO date or time; without a zone it is Danish time."""
    if value is None:
        return None
    from ssd_gateway.audit.report import DANISH_TIME

    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"ugyldigt tidspunkt / invalid time: {value}")
        raise
    return at if at.tzinfo else at.replace(tzinfo=DANISH_TIME)


@log_app.command()
def verify(
    data: Path | None = DATA,
    config: Path | None = CONFIG,
    export: Path | None = typer.Option(None, "--export", help="Kontroller en JSONL-eksport "
                                       "offline / verify an exported JSONL log offline"),
    cert: Path | None = typer.Option(None, "--cert", help="Gatewayens certifikat (PEM) / the "
                                     "gateway's certificate"),
    as_json: bool = typer.Option(False, "--json", help="Skriv resultatet som JSON"),
) -> None:
    """Kontroller hele loggen og de signerede tilstande. / Verify the log and its signed heads.

    Exit status 0: unchanged; 1: changed, deleted or reordered entries (named); 2: cannot run.
    """
    from sqlalchemy.orm import Session

    from ssd_gateway.audit.signing import load_certificate
    from ssd_gateway.audit.verify import verify_export, verify_session
    from ssd_gateway.exceptions import ConfigurationError

    try:
        if export is not None:
            if cert is None:
                _fail("--export kræver --cert / --export needs --cert")
                return
            report = verify_export(export, load_certificate(cert))
        else:
            every = _every_gateway(data) if data is not None and config is None else None
            if every:
                _verify_each(every, cert, as_json)
                return
            settings = _settings(data, config)
            cert = cert or settings.tls.cert_file
            certificate = load_certificate(cert) if cert else None
            engine = _engine(settings)
            with Session(engine) as session:
                report = verify_session(session, certificate)
    except ConfigurationError as exc:
        _fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)
        for finding in report.findings:
            typer.echo(finding.render())
        verdict = "OK" if report.ok else "FEJL / FAILED"
        typer.echo(f"{verdict}: {report.entries} entries, {report.heads} signed heads, "
                   f"root {report.root.hex()}")
    raise typer.Exit(0 if report.ok else 1)


def _query(cpr: str | None, org: str | None, sector: str | None, basis: str | None,
           decision: str | None, reason: str | None, kind: str | None, transfer: str | None,
           since: str | None, until: str | None, limit: int | None) -> LogQuery:
    from ssd_gateway.audit.store import LogQuery

    return LogQuery(cpr=cpr, org=org, sector=sector, basis=basis, decision=decision,
                    reason_code=reason, kind=kind, transfer_id=transfer, since=_time(since),
                    until=_time(until), limit=limit)


CPR = typer.Option(None, "--cpr", help="Barnets CPR-nummer (hashes før opslag) / the child's "
                   "CPR number (hashed before lookup)")
ORG = typer.Option(None, "--org", help="Organisation (afsender eller modtager)")
SECTOR = typer.Option(None, "--sector", help="Sektor (afsender eller modtager)")
BASIS = typer.Option(None, "--basis", help="consent | ssd_49a | underretning | anonymous")
DECISION = typer.Option(None, "--decision", help="permit | deny")
REASON = typer.Option(None, "--reason", help="Begrundelseskode / reason code")
KIND = typer.Option(None, "--kind", help="Hændelsestype / event kind")
TRANSFER = typer.Option(None, "--transfer", help="Overførsels-id / transfer id")
SINCE = typer.Option(None, "--since", help="Fra (ISO, dansk tid) / from")
UNTIL = typer.Option(None, "--until", help="Til (ISO, dansk tid) / until")


@log_app.command()
def query(
    data: Path | None = DATA, config: Path | None = CONFIG, cpr: str | None = CPR,
    org: str | None = ORG, sector: str | None = SECTOR, basis: str | None = BASIS,
    decision: str | None = DECISION, reason: str | None = REASON, kind: str | None = KIND,
    transfer: str | None = TRANSFER, since: str | None = SINCE, until: str | None = UNTIL,
    limit: int = typer.Option(100, "--limit", help="Højst så mange / at most this many"),
    as_json: bool = typer.Option(False, "--json", help="JSON-linjer i stedet for en tabel"),
) -> None:
    """Søg i loggen. / Search the evidence log."""
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy.orm import Session

    from ssd_gateway.audit.store import audit_log_from_settings

    settings = _settings(data, config)
    log = audit_log_from_settings(settings)
    q = _query(cpr, org, sector, basis, decision, reason, kind, transfer, since, until, limit)
    with Session(_engine(settings)) as session:
        entries = log.query(session, q)
    if as_json:
        for e in entries:
            typer.echo(json.dumps(e.as_row(), ensure_ascii=False))
        return
    table = Table(title=f"{len(entries)} entries")
    for name in ("seq", "time (UTC)", "kind", "from → to", "record", "basis", "decision",
                 "reasons", "child"):
        table.add_column(name)
    for e in entries:
        table.add_row(str(e.seq), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.kind,
                      f"{e.sender_org or ''} → {e.recipient_org or ''}", e.record_kind or "",
                      e.basis or "", e.decision or "", " ".join(e.reason_codes),
                      (e.child or "")[:12])
    Console().print(table)


@log_app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl | csv | fhir | fhir-ndjson"),
    out: Path = typer.Option(..., "--out", help="Fil / file ('-' for stdout)"),
    data: Path | None = DATA, config: Path | None = CONFIG, cpr: str | None = CPR,
    org: str | None = ORG, sector: str | None = SECTOR, basis: str | None = BASIS,
    decision: str | None = DECISION, reason: str | None = REASON, kind: str | None = KIND,
    since: str | None = SINCE, until: str | None = UNTIL,
) -> None:
    """Eksporter loggen. / Export the log (jsonl is the whole, verifiable log)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from sqlalchemy.orm import Session

    from ssd_gateway.audit.export import export_log
    from ssd_gateway.audit.store import LogQuery, audit_log_from_settings

    if fmt not in {"jsonl", "csv", "fhir", "fhir-ndjson"}:
        _fail(f"ukendt format / unknown format: {fmt}")
    q = _query(cpr, org, sector, basis, decision, reason, kind, None, since, until, None)
    if fmt == "jsonl" and q != LogQuery(limit=None):
        _fail("jsonl er altid hele loggen / jsonl is always the whole log; filter csv or fhir")
    settings = _settings(data, config)
    log = audit_log_from_settings(settings)
    with Session(_engine(settings)) as session:
        total = log.size(session) if fmt == "jsonl" else log.count(session, q)
        handle = sys.stdout if str(out) == "-" else out.open("w", encoding="utf-8")
        try:
            with Progress("[progress.description]{task.description}", BarColumn(),
                          MofNCompleteColumn(), TimeRemainingColumn(),
                          console=None if str(out) != "-" else _stderr(),
                          disable=total < 1000) as progress:
                task = progress.add_task(f"export {fmt}", total=total)
                count = export_log(session, log, fmt, handle, q,  # type: ignore[arg-type]
                                   gateway_org=settings.organisation.org_id,
                                   progress=lambda n: progress.advance(task, n))
        finally:
            if handle is not sys.stdout:
                handle.close()
    typer.echo(f"{count} entries → {out}", err=True)


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@log_app.command()
def report(
    cpr: str = typer.Option(..., "--cpr", help="Barnets CPR-nummer / the child's CPR number"),
    out: Path = typer.Option(..., "--out", help="HTML-fil / HTML file"),
    lang: str = typer.Option("da", "--lang", help="da | en"),
    for_parents: bool = typer.Option(False, "--for-parents", help="Til forældre: udelader "
                                     "tilbageholdte underretninger / omits withheld ones"),
    data: Path | None = DATA, config: Path | None = CONFIG,
) -> None:
    """Rapport over deling af et barns oplysninger. / Disclosure report for one child."""
    from sqlalchemy.orm import Session

    from ssd_gateway.audit.report import build_report, render_report
    from ssd_gateway.audit.signing import load_certificate
    from ssd_gateway.audit.store import audit_log_from_settings
    from ssd_gateway.audit.verify import verify_session

    settings = _settings(data, config)
    log = audit_log_from_settings(settings)
    cert = settings.tls.cert_file
    with Session(_engine(settings)) as session:
        ok = verify_session(session, load_certificate(cert) if cert else None).ok
        page = render_report(build_report(session, log, cpr, for_parents=for_parents,
                                          verified=ok), lang)
    out.write_text(page, encoding="utf-8")
    typer.echo(f"{out}", err=True)


@log_app.command()
def sign(data: Path | None = DATA, config: Path | None = CONFIG) -> None:
    """Signer loggens nuværende tilstand. / Sign the current tree head now."""
    from sqlalchemy.orm import Session

    from ssd_gateway.audit.store import audit_log_from_settings
    from ssd_gateway.exceptions import ConfigurationError

    settings = _settings(data, config)
    try:
        log = audit_log_from_settings(settings)
        with Session(_engine(settings)) as session, session.begin():
            head = log.sign_tree_head(session)
    except ConfigurationError as exc:
        _fail(str(exc))
        return
    typer.echo(json.dumps(head.as_json()))

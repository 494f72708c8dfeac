"""``ssd-gateway submit``: send a record through a running gateway's local API.

``submit MESSAGE.json`` posts a canonical message (``POST /v1/messages``); ``submit --mapping
ID --to ORG EXPORT`` posts a journal export to be mapped (``POST /v1/exports/{ID}``). Both
print the decision and the transfer; ``--wait`` follows each transfer until it is delivered
(or not). ``api openapi`` prints the local API's OpenAPI document.

Exit codes: 0 accepted (and, with ``--wait``, acknowledged); 1 refused by the policy engine,
a record quarantined, or (with ``--wait``) not delivered; 2 the API answered with a problem
(its code and each ``errors[]`` path are printed) or the input is unreadable; 3 the gateway
could not be reached.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

EXIT_REFUSED, EXIT_PROBLEM, EXIT_UNREACHABLE = 1, 2, 3
#: states after which a transfer no longer changes by itself
FINAL_STATES = frozenset({"acked", "nacked", "dead", "cancelled", "denied"})
_MEDIA = {".csv": "text/csv", ".xml": "application/xml", ".json": "application/json"}

api_app = typer.Typer(help="Den lokale API. / The local API.", no_args_is_help=True)


def _fail(message: str, code: int) -> Any:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def print_problem(body: dict[str, Any], lang: str) -> None:
    """Print an RFC 9457 problem: code, status, title, detail and each error's path and code."""
    typer.echo(f"{body.get('code', 'ERROR')} ({body.get('status')}): {body.get('title', '')}",
               err=True)
    if body.get("detail"):
        typer.echo(f"  {body['detail']}", err=True)
    for error in body.get("errors", []):
        text = error.get("message_en") if lang == "en" else error.get("message")
        rule = f" [{error['rule']}]" if error.get("rule") else ""
        typer.echo(f"  {error.get('path') or '<body>'}: {error.get('code')}{rule}"
                   f"{' — ' + text if text else ''}", err=True)


def _reasons(reasons: list[dict[str, Any]], lang: str) -> None:
    for reason in reasons:
        text = reason.get("message_en") if lang == "en" else reason.get("message")
        typer.echo(f"  {reason.get('rule')} {reason.get('code')}: {text}")


def print_transfer(view: dict[str, Any], lang: str) -> None:
    """Print one transfer: kind, peer, format, decision with basis or reasons, state."""
    typer.echo(f"overførsel/transfer {view['id']}: {view['kind']} → {view['peer']} "
               f"[{view['format']}]")
    if view["decision"] == "permit":
        typer.echo(f"afgørelse/decision: permit ({view.get('basis')}); "
                   f"tilstand/state: {view['state']}")
        if view.get("obligations"):
            typer.echo(f"  forpligtelser/obligations: {', '.join(view['obligations'])}")
    else:
        typer.echo(f"afgørelse/decision: deny; tilstand/state: {view['state']}")
        _reasons(view.get("reasons", []), lang)
    if view.get("last_error"):
        typer.echo(f"  sidste fejl/last error: {view['last_error']}")


class Client:
    """The local API over httpx, turning problems and connection errors into exits."""

    def __init__(self, api: str, token: str, lang: str, timeout: float = 60.0) -> None:
        import httpx

        self.lang = lang
        self.http = httpx.Client(base_url=api.rstrip("/"), timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"})

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """Call the API; exit 2 printing the problem on an error status, 3 if unreachable."""
        import httpx

        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            _fail(f"gatewayen svarer ikke / the gateway does not answer: {exc}",
                  EXIT_UNREACHABLE)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"status": response.status_code, "title": response.text[:200]}
            print_problem(body, self.lang)
            raise typer.Exit(EXIT_PROBLEM)
        return response.json()

    def wait(self, transfer_id: str, seconds: float) -> dict[str, Any]:
        """Poll the transfer until it reaches a final state or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while True:
            view: dict[str, Any] = self.call("GET", f"/v1/transfers/{transfer_id}")
            if view["state"] in FINAL_STATES or time.monotonic() >= deadline:
                return view
            time.sleep(0.2)


def _exit_for(views: list[dict[str, Any]], waited: bool) -> int:
    if any(v["decision"] != "permit" for v in views):
        return EXIT_REFUSED
    if waited and any(v["state"] != "acked" for v in views):
        return EXIT_REFUSED
    return 0


def submit_command(
    file: Annotated[Path, typer.Argument(help="the canonical message (JSON), or with "
                                         "--mapping the journal export", exists=True,
                                         dir_okay=False)],
    api: Annotated[str, typer.Option("--api", envvar="SSD_API_URL",
                                     help="the gateway's local API, e.g. "
                                     "http://127.0.0.1:8443")],
    token: Annotated[str, typer.Option("--token", envvar="SSD_API_TOKEN",
                                       help="API token (or SSD_API_TOKEN)")],
    fmt: Annotated[str, typer.Option("--format", help="fhir or xml")] = "fhir",
    mapping: Annotated[str | None, typer.Option(
        "--mapping", "-m", help="mapping id: FILE is a journal export")] = None,
    to: Annotated[str | None, typer.Option("--to", help="recipient organisation "
                                           "(with --mapping)")] = None,
    wait: Annotated[float, typer.Option("--wait", help="follow each transfer up to this many "
                                        "seconds until acknowledged (0: do not)")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the API's JSON answer")]
    = False,
    lang: Annotated[str, typer.Option("--lang", help="da or en")] = "da",
) -> None:
    """Indsend via en kørende gateways lokale API. / Submit through a running gateway's API."""
    if fmt not in ("fhir", "xml"):
        _fail("--format: fhir eller xml / fhir or xml", EXIT_PROBLEM)
    if (mapping is None) != (to is None):
        _fail("--mapping og --to hører sammen / --mapping and --to go together", EXIT_PROBLEM)
    client = Client(api, token, lang)
    if mapping is None:
        try:
            message = json.loads(file.read_bytes())
        except ValueError as exc:
            _fail(f"{file}: ikke gyldig JSON / not valid JSON ({exc})", EXIT_PROBLEM)
        view = client.call("POST", "/v1/messages", params={"format": fmt}, json=message)
        if wait and view["state"] not in FINAL_STATES:
            view = client.wait(view["id"], wait)
        if as_json:
            typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        else:
            print_transfer(view, lang)
        raise typer.Exit(_exit_for([view], bool(wait)))
    report = client.call("POST", f"/v1/exports/{mapping}", params={"to": to, "format": fmt},
                         content=file.read_bytes(),
                         headers={"Content-Type": _MEDIA.get(file.suffix.lower(),
                                                             "application/octet-stream")})
    views = [client.wait(r["transfer_id"], wait) if wait else
             client.call("GET", f"/v1/transfers/{r['transfer_id']}")
             for r in report["records"] if r["status"] == "submitted"]
    if as_json:
        typer.echo(json.dumps({**report, "transfers": views}, ensure_ascii=False, indent=2))
    else:
        _print_report(report, views, lang)
    quarantined = report["summary"]["quarantined"]
    raise typer.Exit(_exit_for(views, bool(wait)) or (EXIT_REFUSED if quarantined else 0))


def _print_report(report: dict[str, Any], views: list[dict[str, Any]], lang: str) -> None:
    by_id = {v["id"]: v for v in views}
    for record in report["records"]:
        if record["status"] == "submitted":
            view = by_id[record["transfer_id"]]
            typer.echo(f"#{record['index']} {record['record_id']}:")
            print_transfer(view, lang)
        else:
            typer.echo(f"#{record['index']}: karantæne/quarantine #{record['quarantine_id']}")
            for problem in record["problems"]:
                source = problem.get("source") or {}
                where = source.get("path", "")
                if source.get("line"):
                    where += f" (linje/line {source['line']})"
                text = problem.get("message_en") if lang == "en" else problem.get("message")
                typer.echo(f"  {where} → {problem['path']}: {problem['code']} — {text}")
    s = report["summary"]
    typer.echo(f"{s['records']} poster/records: {s['submitted']} indsendt/submitted "
               f"({s['denied']} afvist/denied), {s['quarantined']} i karantæne/quarantined")


@api_app.command("openapi")
def openapi_command(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of "
                                             "stdout")] = None,
) -> None:
    """Udskriv OpenAPI-dokumentet. / Print the local API's OpenAPI document."""
    from ssd_gateway.api.openapi import document, openapi_text

    text = openapi_text(document())
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@api_app.command("url")
def url_command(
    config: Annotated[Path | None, typer.Option("--config", "-c", exists=True, dir_okay=False,
                                                help="gateway.toml")] = None,
) -> None:
    """Udskriv den lokale API's adresse. / Print where the gateway's local API listens."""
    from ssd_gateway.cli.errors import exit_on_error
    from ssd_gateway.settings import load_settings

    with exit_on_error():
        listen = load_settings(config).listen
    typer.echo(f"http://{listen.api_host}:{listen.api_port}")


@api_app.command("example")
def example_command(
    kind: Annotated[str, typer.Argument(help="record kind, e.g. underretning, stafetlog")],
) -> None:
    """Udskriv en eksempelmeddelelse dateret i dag. / Print a sample message dated today.

    The samples are sent by the sandbox organisations (see ``ssd-gateway sandbox``).
    """
    from datetime import date

    from ssd_gateway.samples import sample_message_data

    samples = sample_message_data(date.today())
    if kind not in samples:
        _fail(f"{kind}: kendte / known: {', '.join(sorted(samples))}", EXIT_PROBLEM)
    typer.echo(json.dumps(samples[kind], indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add ``submit`` and ``api`` to the root app."""
    app.command("submit")(submit_command)
    app.add_typer(api_app, name="api")

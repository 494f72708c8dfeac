"""The compliance officers' pages: transfer log, one transfer's trail, denials by reason, §49a
meetings per child, log verification and the disclosure report (role ``compliance``).

Mount with ``create_web_app(ctx, compliance_routes(ctx, log))``. A CPR number is only ever read
from a posted form: it is hashed for the lookup (``LogQuery(cpr=…)``), shown again only in the
form field the officer typed it into, and never put in a URL or an application log. Every page
that shows entries about children writes a ``page_view`` entry to the evidence log (after the
lookup, so the page does not show its own view); if that entry cannot be written the page is
not shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ssd_gateway.audit import AuditLog, LogQuery, load_certificate
from ssd_gateway.audit import texts as audit_texts
from ssd_gateway.audit.report import build_report, local_time, render_report
from ssd_gateway.exceptions import RecordInvalid
from ssd_gateway.web import app as web_app
from ssd_gateway.web.compliance_query import (
    DECISIONS,
    KINDS,
    FilterError,
    Filters,
    denials_by_reason,
    fetch_page,
    meetings_of_child,
    parse_cpr,
    parse_filters,
    parse_seq,
)
from ssd_gateway.web.core import WebContext, lang_of, log_page_view, render, requires

ROLE = "compliance"
#: the start page's links to these pages: (role, path, text key)
MENU_ENTRIES: list[tuple[str, str, str]] = [
    (ROLE, "/compliance/transfers", "transfers"),
    (ROLE, "/compliance/denials", "denied_by_reason"),
    (ROLE, "/compliance/meetings", "meetings"),
    (ROLE, "/compliance/verification", "verification"),
    (ROLE, "/compliance/report", "disclosure_report"),
]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


class Words:
    """Codes of the log in the page's language (reason, kind, basis, sector, organisation)."""

    def __init__(self, lang: str, org_names: Mapping[str, str]) -> None:
        self.lang = lang
        self.org_names = org_names

    def _text(self, table: audit_texts.Texts, code: str | None) -> str:
        return audit_texts.text(table, code, self.lang)

    def reason(self, code: str | None) -> str:
        """The reason code in words."""
        return self._text(audit_texts.REASONS, code)

    def kind(self, code: str | None) -> str:
        """The entry kind in words."""
        return self._text(audit_texts.KINDS, code)

    def basis(self, code: str | None) -> str:
        """The legal basis in words."""
        return self._text(audit_texts.BASES, code)

    def sector(self, code: str | None) -> str:
        """The sector in words."""
        return self._text(audit_texts.SECTORS, code)

    def record(self, code: str | None) -> str:
        """The record kind in words."""
        return self._text(audit_texts.RECORD_KINDS, code)

    def org(self, org_id: str | None) -> str:
        """The organisation's name if known, else its id."""
        return self.org_names.get(org_id or "", org_id or "")

    @staticmethod
    def when(at: datetime) -> str:
        """Danish local time, to the minute."""
        return local_time(at)

    @staticmethod
    def when_exact(at: datetime) -> str:
        """UTC time to the second (for the trail)."""
        return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    @staticmethod
    def short(value: str | None, n: int = 12) -> str:
        """The first ``n`` characters of a hash."""
        return "" if not value else value[:n] + ("…" if len(value) > n else "")

    @staticmethod
    def detail(value: Mapping[str, Any]) -> str:
        """An entry's detail as compact JSON."""
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def _cpr_or_error(value: Any) -> tuple[str | None, str | None]:
    """The CPR typed into a form and None, or None and the i18n key of what is wrong."""
    try:
        child = parse_cpr(value)
    except FilterError as exc:
        return None, exc.key
    return (child, None) if child else (None, "cpr_required")


def register_menu() -> None:
    """Add the compliance pages to the start page's menu (once)."""
    for entry in MENU_ENTRIES:
        if entry not in web_app.MENU:
            web_app.MENU.append(entry)


def compliance_routes(ctx: WebContext, log: AuditLog, *, certificate: Path | None = None,
                      org_names: dict[str, str] | None = None) -> list[Route]:
    """The compliance pages, reading ``log``; ``certificate`` checks signed heads independently.

    Page views are written to ``ctx.audit``; when it is not set, ``log`` is used, so a page
    showing personal data is never left unlogged. ``org_names`` maps org ids to display names.
    """
    if ctx.audit is None:
        ctx.audit = log
    cert = load_certificate(certificate) if certificate is not None else None
    names = dict(org_names or {})
    register_menu()

    def page(request: Request, template: str, status: int = 200, **values: Any) -> Response:
        response = render(ctx, request, template, status=status,
                          w=Words(lang_of(request), names), **values)
        response.headers.update(NO_STORE)
        return response

    def viewed(request: Request, name: str, child_id: str | None = None,
               **detail: Any) -> None:
        """Write the page view; if a detail value is refused, write it without the details."""
        try:
            log_page_view(ctx, request, name, child_id=child_id, **detail)
        except RecordInvalid:
            log_page_view(ctx, request, name, child_id=child_id)

    # -- the transfer log ------------------------------------------------------------------

    choices: dict[str, Any] = {"kinds": KINDS, "decisions": DECISIONS,
                               "sectors": list(audit_texts.SECTORS),
                               "bases": list(audit_texts.BASES)}

    def refused(request: Request, error: str) -> Response:
        """The empty transfer log form with what was wrong (nothing typed is echoed)."""
        return page(request, "compliance/transfers.html", status=400, filters=Filters(),
                    result=None, cpr="", error=error, **choices)

    def transfer_page(request: Request, filters: Filters, child: str | None,
                      before: int | None, after: int | None) -> Response:
        q = filters.log_query(cpr=child)
        with ctx.sessions() as db:
            result = fetch_page(db, log, q, before=before, after=after)
        viewed(request, "transfers", child_id=child, **filters.as_params(),
               **({"before": before} if before else {}), **({"after": after} if after else {}))
        return page(request, "compliance/transfers.html", filters=filters, result=result,
                    cpr=child or "", error=None, **choices)

    @requires(ctx, ROLE)
    async def transfers(request: Request) -> Response:
        if request.method == "POST":
            form = await request.form()
            values = {k: str(v) for k, v in form.items()}
            try:
                filters = parse_filters(values)
                child = parse_cpr(values.get("cpr"))
            except FilterError as exc:
                return refused(request, exc.key)
            before, after = parse_seq(values.get("before")), parse_seq(values.get("after"))
            if child is None:  # nothing personal in the filters: post, redirect, get
                query = filters.query_string(before=before, after=after, lang=lang_of(request))
                return RedirectResponse(f"/compliance/transfers?{query}", status_code=303)
            return await run_in_threadpool(transfer_page, request, filters, child, before,
                                           after)
        try:
            filters = parse_filters(request.query_params)
        except FilterError as exc:  # show the message, not an unfiltered log
            return refused(request, exc.key)
        return await run_in_threadpool(
            transfer_page, request, filters, None, parse_seq(request.query_params.get("before")),
            parse_seq(request.query_params.get("after")))

    # -- one transfer's trail --------------------------------------------------------------

    def trail_page(request: Request, transfer_id: str) -> Response:
        with ctx.sessions() as db:
            entries = list(log.iter_query(db, LogQuery(transfer_id=transfer_id, limit=None)))
        if not entries:
            return page(request, "compliance/trail.html", status=404, transfer_id=transfer_id,
                        entries=[])
        viewed(request, "transfer", transfer_id=transfer_id)
        return page(request, "compliance/trail.html", transfer_id=transfer_id, entries=entries,
                    children=sorted({e.child for e in entries if e.child}))

    @requires(ctx, ROLE)
    async def trail(request: Request) -> Response:
        transfer_id = str(request.path_params["transfer_id"])
        return await run_in_threadpool(trail_page, request, transfer_id)

    # -- denials by reason code ------------------------------------------------------------

    def denials_page(request: Request) -> Response:
        try:
            filters = parse_filters({k: v for k, v in request.query_params.items()
                                     if k in ("org", "since", "until")})
        except FilterError as exc:
            return page(request, "compliance/denials.html", status=400, error=exc.key,
                        filters=Filters(), total=0, rows=[])
        with ctx.sessions() as db:
            total, rows = denials_by_reason(db, log, filters)
        return page(request, "compliance/denials.html", filters=filters, total=total,
                    rows=rows, error=None)

    @requires(ctx, ROLE)
    async def denials(request: Request) -> Response:
        return await run_in_threadpool(denials_page, request)

    # -- §49a meetings per child -----------------------------------------------------------

    def meetings_page(request: Request, child: str) -> Response:
        with ctx.sessions() as db:
            found = meetings_of_child(db, log, child)
        viewed(request, "meetings", child_id=child)
        return page(request, "compliance/meetings.html", cpr=child, meetings=found,
                    searched=True, error=None)

    @requires(ctx, ROLE)
    async def meetings(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "compliance/meetings.html", cpr="", meetings=[],
                        searched=False, error=None)
        form = await request.form()
        child, error = _cpr_or_error(form.get("cpr"))
        if child is None:
            return page(request, "compliance/meetings.html", status=400, cpr="", meetings=[],
                        searched=False, error=error)
        return await run_in_threadpool(meetings_page, request, child)

    # -- verification ----------------------------------------------------------------------

    def verification_page(request: Request) -> Response:
        with ctx.sessions() as db:
            report = log.verify(db, cert)
            heads = log.heads(db)
        latest = heads[-1] if heads else None
        uncovered = report.entries - (max(h.size for h in heads) if heads else 0)
        return page(request, "compliance/verification.html", report=report, latest=latest,
                    uncovered=max(uncovered, 0), independent=cert is not None,
                    checked_at=datetime.now(UTC))

    @requires(ctx, ROLE)
    async def verification(request: Request) -> Response:
        return await run_in_threadpool(verification_page, request)

    # -- the disclosure report -------------------------------------------------------------

    def report_page(request: Request, child: str, lang: str, for_parents: bool,
                    verify: bool) -> Response:
        with ctx.sessions() as db:
            verified = log.verify(db, cert).ok if verify else None
            report = build_report(db, log, child, for_parents=for_parents, verified=verified)
        viewed(request, "report", child_id=child, for_parents=for_parents, report_lang=lang)
        return HTMLResponse(render_report(report, lang, names), headers=NO_STORE)

    @requires(ctx, ROLE)
    async def disclosure(request: Request) -> Response:
        if request.method == "GET":
            return page(request, "compliance/report_form.html", error=None,
                        report_lang=lang_of(request), for_parents=False, verify=True)
        form = await request.form()
        report_lang = "en" if form.get("report_lang") == "en" else "da"
        for_parents, verify = bool(form.get("for_parents")), bool(form.get("verify"))
        child, error = _cpr_or_error(form.get("cpr"))
        if child is None:
            return page(request, "compliance/report_form.html", status=400, error=error,
                        report_lang=report_lang, for_parents=for_parents, verify=verify)
        return await run_in_threadpool(report_page, request, child, report_lang, for_parents,
                                       verify)

    both = ["GET", "POST"]
    return [
        Route("/compliance/transfers", transfers, methods=both),
        Route("/compliance/transfers/{transfer_id:path}", trail),
        Route("/compliance/denials", denials),
        Route("/compliance/meetings", meetings, methods=both),
        Route("/compliance/verification", verification),
        Route("/compliance/report", disclosure, methods=both),
    ]

"""The operations pages (role ``operations``): the outbox queue by peer and state with retry and
cancel, dead letters, quarantine, the manual-review queue, alerts and the certificates.

Mount with ``create_web_app(ctx, operations_routes(ctx, gateway))``. Nothing here shows a
message body, a CPR number or a name: transfers are shown by id, kind, peer and state;
quarantine entries by their reason codes and problems (CPR-like numbers masked), never their
payload; the manual-review queue by ids and times only. Every action is a POST that calls
``ssd_gateway.delivery.operations`` (or the alerts sweep) with the logged-in user as actor, so
it lands in the evidence log as an ``operator_action``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ssd_gateway.accounts import Principal
from ssd_gateway.alerts import AlertRow, open_alerts
from ssd_gateway.audit.report import local_time
from ssd_gateway.contracts import AuditEvent
from ssd_gateway.delivery.operations import (
    TransferFilter,
    TransferSummary,
    cancel_transfers,
    dead_letters,
    retry_transfers,
)
from ssd_gateway.delivery.outbox import Transfer
from ssd_gateway.delivery.states import RETRYABLE, WAITING, TransferState
from ssd_gateway.exceptions import GatewayError, NotFound
from ssd_gateway.gateway import received
from ssd_gateway.model.cpr import mask_cpr
from ssd_gateway.web import app as web_app
from ssd_gateway.web.core import WebContext, log_page_view, render, requires

if TYPE_CHECKING:
    from ssd_gateway.gateway.runtime import Gateway

ROLE = "operations"
#: the start page's links to these pages: (role, path, text key)
MENU_ENTRIES: list[tuple[str, str, str]] = [
    (ROLE, "/operations/queue", "queue"),
    (ROLE, "/operations/dead-letters", "dead_letters"),
    (ROLE, "/operations/quarantine", "quarantine"),
    (ROLE, "/operations/manual-review", "manual_review"),
    (ROLE, "/operations/alerts", "alerts"),
    (ROLE, "/operations/certificates", "certificates"),
]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
PAGE_SIZE = 25
#: how far back the alerts page lists cleared alerts
CLEARED_WINDOW = timedelta(days=7)
STATES = [state.value for state in TransferState]
RETRY_STATES = frozenset(state.value for state in RETRYABLE)
CANCEL_STATES = frozenset(state.value for state in WAITING)
NOTICES = frozenset({"retried", "cancelled", "unchanged", "swept"})


def register_menu() -> None:
    """Add the operations pages to the start page's menu (once)."""
    for entry in MENU_ENTRIES:
        if entry not in web_app.MENU:
            web_app.MENU.append(entry)


def when(at: datetime | None) -> str:
    """Danish local time to the minute ('' for none)."""
    if at is None:
        return ""
    return local_time(at if at.tzinfo else at.replace(tzinfo=UTC))


def masked(value: Any) -> str:
    """``value`` as text with CPR-like numbers masked."""
    return mask_cpr(str(value if value is not None else ""))


@dataclass(frozen=True)
class QueueQuery:
    """The queue page's filters and page number, from the query string."""

    peer: str = ""
    state: str = ""
    kind: str = ""
    page: int = 1
    errors: tuple[str, ...] = field(default=())

    @classmethod
    def parse(cls, params: Any) -> QueueQuery:
        """Read ``peer``, ``state``, ``kind`` and ``page``; an unknown state is an error."""
        state = str(params.get("state") or "")
        errors = []
        if state and state not in STATES:
            errors.append("bad_filter")
            state = ""
        try:
            page = max(int(params.get("page") or 1), 1)
        except ValueError:
            errors.append("bad_filter")
            page = 1
        return cls(peer=str(params.get("peer") or "").strip()[:200], state=state,
                   kind=str(params.get("kind") or "").strip()[:60], page=page,
                   errors=tuple(errors))

    def transfer_filter(self) -> TransferFilter:
        """The delivery operations' filter for these choices."""
        states = (TransferState(self.state),) if self.state else ()
        return TransferFilter(peer=self.peer or None, states=states, kind=self.kind or None)

    def query_string(self, **changes: Any) -> str:
        """The query string of this query with ``changes`` (empty values left out)."""
        values = {"peer": self.peer, "state": self.state, "kind": self.kind,
                  "page": self.page if self.page > 1 else "", **changes}
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _safe_next(target: Any, default: str) -> str:
    text = str(target or "")
    if text.startswith("/operations/") and not text.startswith("//"):
        return text
    return default


def _with_notice(target: str, notice: str, count: int) -> str:
    base, _, query = target.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith(("notice=", "n="))]
    kept += [f"notice={notice}", f"n={count}"]
    return f"{base}?{'&'.join(kept)}"


def operations_routes(ctx: WebContext, gateway: Gateway) -> list[Route]:
    """The operations pages of ``gateway``; actions are audited in ``gateway.audit``."""
    register_menu()
    names = {peer.org_id: peer.name for peer in gateway.directory}

    def page(request: Request, template: str, status: int = 200, **values: Any) -> Response:
        notice = request.query_params.get("notice")
        response = render(ctx, request, template, status=status, when=when, masked=masked,
                          org=lambda org_id: names.get(org_id or "", org_id or ""),
                          notice=notice if notice in NOTICES else None,
                          notice_n=request.query_params.get("n", ""), **values)
        response.headers.update(NO_STORE)
        return response

    def actor(request: Request) -> str:
        principal: Principal = request.scope["principal"]
        return principal.name

    # -- the queue ---------------------------------------------------------------------------

    def counts_by_peer() -> tuple[list[str], dict[tuple[str, str], int]]:
        with gateway.sessions() as session:
            rows = session.execute(select(Transfer.peer, Transfer.state, func.count())
                                   .group_by(Transfer.peer, Transfer.state)).all()
        counts = {(peer, state): int(n) for peer, state, n in rows}
        peers = sorted({peer for peer, _ in counts})
        return peers, counts

    def queue_page(request: Request) -> Response:
        query = QueueQuery.parse(request.query_params)
        now = gateway.now()
        where = query.transfer_filter()
        with gateway.sessions() as session:
            total = int(session.scalar(where.apply(
                select(func.count()).select_from(Transfer), now)) or 0)
            rows = session.scalars(where.apply(select(Transfer), now).order_by(
                Transfer.acute.desc(), Transfer.created_at, Transfer.id)
                .offset((query.page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
            transfers = [TransferSummary.of(row) for row in rows]
        peers, counts = counts_by_peer()
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        return page(request, "operations/queue.html", status=400 if query.errors else 200,
                    query=query, transfers=transfers, total=total, pages=pages,
                    peers=peers, counts=counts, states=STATES, retry_states=RETRY_STATES,
                    cancel_states=CANCEL_STATES, error=query.errors[0] if query.errors else None,
                    here=str(request.url.path) + ("?" + request.url.query
                                                  if request.url.query else ""))

    @requires(ctx, ROLE)
    async def queue(request: Request) -> Response:
        return await run_in_threadpool(queue_page, request)

    @requires(ctx, ROLE)
    async def overview(_request: Request) -> Response:
        return RedirectResponse("/operations/queue", status_code=303)

    # -- actions on transfers ----------------------------------------------------------------

    def act(action: str, ids: list[str], who: str) -> int:
        change = retry_transfers if action == "retry" else cancel_transfers
        with gateway.sessions.begin() as session:
            return change(session, ids, actor=who, audit=gateway.audit, clock=gateway.now)

    @requires(ctx, ROLE)
    async def transfer_action(request: Request) -> Response:
        action = str(request.path_params["action"])
        transfer_id = str(request.path_params["transfer_id"])
        form = await request.form()
        target = _safe_next(form.get("next"), "/operations/queue")
        if action not in ("retry", "cancel"):
            return Response(status_code=404)
        done = await run_in_threadpool(act, action, [transfer_id], actor(request))
        notice = ("retried" if action == "retry" else "cancelled") if done else "unchanged"
        return RedirectResponse(_with_notice(target, notice, done), status_code=303)

    # -- dead letters --------------------------------------------------------------------------

    def dead_page(request: Request) -> Response:
        peer = str(request.query_params.get("peer") or "").strip()[:200]
        with gateway.sessions() as session:
            rows = dead_letters(session, TransferFilter(peer=peer or None), limit=500,
                                clock=gateway.now)
        by_peer: dict[str, int] = {}
        for row in rows:
            by_peer[row.peer] = by_peer.get(row.peer, 0) + 1
        return page(request, "operations/dead_letters.html", transfers=rows, peer=peer,
                    by_peer=sorted(by_peer.items()),
                    here=str(request.url.path) + ("?" + request.url.query
                                                  if request.url.query else ""))

    @requires(ctx, ROLE)
    async def dead(request: Request) -> Response:
        return await run_in_threadpool(dead_page, request)

    def retry_dead_of(peer: str, who: str) -> int:
        with gateway.sessions.begin() as session:
            ids = [row.id for row in dead_letters(session, TransferFilter(peer=peer),
                                                  limit=None, clock=gateway.now)]
            return retry_transfers(session, ids, actor=who, audit=gateway.audit,
                                   clock=gateway.now)

    @requires(ctx, ROLE)
    async def retry_dead(request: Request) -> Response:
        form = await request.form()
        peer = str(form.get("peer") or "").strip()
        if not peer:
            return RedirectResponse("/operations/dead-letters", status_code=303)
        done = await run_in_threadpool(retry_dead_of, peer, actor(request))
        return RedirectResponse(_with_notice("/operations/dead-letters",
                                             "retried" if done else "unchanged", done),
                                status_code=303)

    # -- quarantine ------------------------------------------------------------------------------

    def quarantine_page(request: Request) -> Response:
        shown = request.query_params.get("status") or "open"
        if shown not in ("open", "resolved", "all"):
            shown = "open"
        entries = gateway.quarantine.entries(status=None if shown == "all" else shown,
                                             limit=500)
        return page(request, "operations/quarantine.html", entries=entries, shown=shown,
                    open_count=gateway.quarantine.count("open"))

    @requires(ctx, ROLE)
    async def quarantine(request: Request) -> Response:
        return await run_in_threadpool(quarantine_page, request)

    def entry_page(request: Request, entry_id: int) -> Response:
        try:
            entry = gateway.quarantine.get(entry_id)
        except NotFound:
            return page(request, "operations/quarantine_entry.html", status=404, entry=None)
        log_page_view(ctx, request, "operations_quarantine_entry", quarantine_id=entry_id)
        return page(request, "operations/quarantine_entry.html", entry=entry,
                    payload_size=len(entry.payload))

    @requires(ctx, ROLE)
    async def quarantine_entry(request: Request) -> Response:
        return await run_in_threadpool(entry_page, request, int(request.path_params["entry_id"]))

    # -- manual review -------------------------------------------------------------------------

    def review_page(request: Request) -> Response:
        with gateway.sessions() as session:
            rows = [{"id": r.id, "peer": r.peer_org_id, "message_id": r.message_id,
                     "bundle_id": r.bundle_id, "format": r.format, "received_at": r.received_at}
                    for r in received.manual_review(session)]
        return page(request, "operations/manual_review.html", rows=rows)

    @requires(ctx, ROLE)
    async def manual_review(request: Request) -> Response:
        return await run_in_threadpool(review_page, request)

    # -- alerts --------------------------------------------------------------------------------

    def alerts_page(request: Request) -> Response:
        since = gateway.now() - CLEARED_WINDOW
        with gateway.sessions() as session:
            current = open_alerts(session)
            cleared = list(session.scalars(
                select(AlertRow).where(AlertRow.cleared_at.is_not(None),
                                       AlertRow.cleared_at >= since)
                .order_by(AlertRow.cleared_at.desc()).limit(100)))
        return page(request, "operations/alerts.html", current=current, cleared=cleared)

    @requires(ctx, ROLE)
    async def alerts(request: Request) -> Response:
        return await run_in_threadpool(alerts_page, request)

    def sweep_now(who: str) -> int:
        from ssd_gateway.gateway.alert_sweeper import AlertSweeper

        change = AlertSweeper(gateway).sweep_once()
        with gateway.sessions.begin() as session:
            gateway.audit.append(session, AuditEvent(
                kind="operator_action", at=gateway.now(), actor=who,
                detail={"action": "alerts_sweep", "raised": len(change.raised),
                        "cleared": len(change.cleared)}))
        return len(change.raised) + len(change.cleared)

    @requires(ctx, ROLE)
    async def sweep(request: Request) -> Response:
        changed = await run_in_threadpool(sweep_now, actor(request))
        return RedirectResponse(_with_notice("/operations/alerts", "swept", changed),
                                status_code=303)

    # -- certificates --------------------------------------------------------------------------

    def certificates_page(request: Request) -> Response:
        from ssd_gateway.certs.files import load_certificates
        from ssd_gateway.certs.identity import identity_of

        now = gateway.now()
        tls = gateway.settings.tls
        own, cas, error = None, [], None
        try:
            if tls.cert_file is not None:
                own = identity_of(load_certificates(Path(tls.cert_file))[0])
            if tls.ca_file is not None:
                cas = [identity_of(c) for c in load_certificates(Path(tls.ca_file))]
        except GatewayError:
            error = "cert_unreadable"
        return page(request, "operations/certificates.html", own=own, cas=cas, error=error,
                    now=now, peers=sorted(gateway.directory, key=lambda p: p.org_id),
                    own_org=gateway.party.org_id, crl=_crl_view(gateway, now))

    @requires(ctx, ROLE)
    async def certificates(request: Request) -> Response:
        return await run_in_threadpool(certificates_page, request)

    return [
        Route("/operations", overview),
        Route("/operations/queue", queue),
        Route("/operations/transfers/{transfer_id}/{action}", transfer_action,
              methods=["POST"]),
        Route("/operations/dead-letters", dead),
        Route("/operations/dead-letters/retry", retry_dead, methods=["POST"]),
        Route("/operations/quarantine", quarantine),
        Route("/operations/quarantine/{entry_id:int}", quarantine_entry),
        Route("/operations/manual-review", manual_review),
        Route("/operations/alerts", alerts),
        Route("/operations/alerts/sweep", sweep, methods=["POST"]),
        Route("/operations/certificates", certificates),
    ]


def _crl_view(gateway: Gateway, now: datetime) -> dict[str, Any] | None:
    """The CRL in force: file, next update, revoked serials, problems (None: no CRL)."""
    watched = gateway.trust.revocations
    if watched is None:
        return None
    lists = watched.current()
    due = lists.next_update()
    return {"file": str(watched.path), "next_update": due,
            "stale": lists.stale(now),
            "serials": sorted(f"{e.serial_number:x}" for c in lists.crls for e in c),
            "problem": watched.problem is not None,
            "own_revoked": lists.revocation(gateway.key.cert) is not None}

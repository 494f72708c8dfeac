"""The local API application: routes over a ``GatewayServices`` implementation.

The routes only translate HTTP to service calls; every decision and every side effect lives
in the services (``ssd_gateway.gateway``). Authentication: bearer tokens scoped to one
organisation and to operations (``api.security``). Errors: RFC 9457 (``api.problems``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from fastapi import Body as BodyParam
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ssd_gateway import __version__
from ssd_gateway.accounts import Principal
from ssd_gateway.api import problems
from ssd_gateway.api.limits import DEFAULT_LIMIT, BodySizeLimit
from ssd_gateway.api.openapi import install_openapi
from ssd_gateway.api.schemas import (
    ConsentRegistered,
    ConsentRevoked,
    Decision,
    Explained,
    ExportReport,
    HandoverAnswerBody,
    HandoverAnswered,
    HandoverOfferBody,
    HandoverOffered,
    HandoverWithdrawn,
    OperatorAction,
    Readiness,
    RevokeBody,
    TransferView,
)
from ssd_gateway.api.security import need
from ssd_gateway.health import Check


class GatewayServices(Protocol):
    """What the local API asks of the running gateway."""

    sessions: sessionmaker[Session]

    def readiness(self) -> list[Check]:
        """Run the readiness checks."""
        ...

    def metrics_exposition(self) -> bytes:
        """Prometheus text exposition."""
        ...

    def decide(self, request: dict[str, Any]) -> dict[str, Any]:
        """A policy decision for a decision request."""
        ...

    def explain(self, request: dict[str, Any], lang: str) -> dict[str, Any]:
        """The decision explained for a person."""
        ...

    def submit(self, message: dict[str, Any], fmt: str, who: Principal) -> TransferView:
        """Validate, decide, render, sign and queue one message."""
        ...

    def submit_mapped(self, mapping_id: str, export: bytes, fmt: str,
                      who: Principal, to: str | None) -> dict[str, Any]:
        """Map a journal export and submit each record to ``to``; report per record."""
        ...

    def transfer(self, transfer_id: str, who: Principal) -> TransferView:
        """One transfer of the caller's organisation."""
        ...

    def transfers(self, who: Principal, state: str | None, kind: str | None,
                  peer: str | None, limit: int, offset: int) -> list[TransferView]:
        """Transfers of the caller's organisation (all, for operations)."""
        ...

    def register_consent(self, consent: dict[str, Any], who: Principal) -> dict[str, Any]:
        """Register a consent."""
        ...

    def consents(self, child_id: str, who: Principal) -> list[dict[str, Any]]:
        """Consents about one child."""
        ...

    def revoke_consent(self, consent_id: str, at: datetime | None,
                       who: Principal) -> dict[str, Any]:
        """Revoke a consent; fans out to waiting transfers and earlier recipients."""
        ...

    def offer_handover(self, stafetlog_id: str, body: HandoverOfferBody,
                       who: Principal) -> dict[str, Any]:
        """Offer the relay of a stafetlog."""
        ...

    def answer_handover(self, offer_id: str, accept: bool, body: HandoverAnswerBody,
                        who: Principal) -> dict[str, Any]:
        """Accept or refuse a received handover offer."""
        ...

    def withdraw_handover(self, offer_id: str, who: Principal) -> dict[str, Any]:
        """Withdraw an unanswered offer."""
        ...

    def operator_retry(self, transfer_id: str, who: Principal, reason: str) -> TransferView:
        """Retry a dead or failing transfer now."""
        ...

    def operator_cancel(self, transfer_id: str, who: Principal, reason: str) -> TransferView:
        """Cancel an undelivered transfer."""
        ...


Format = Literal["fhir", "xml"]
FORMAT = Query("fhir", description="how the message travels: a FHIR message Bundle or XML")

#: request bodies a journal export may have
EXPORT_BODY = {"requestBody": {"required": True, "description": "The export file, as is "
               "(its encoding is the mapping's).", "content": {
                   media: {"schema": {"type": "string", "format": "binary"}}
                   for media in ("text/csv", "application/xml", "application/json",
                                 "application/octet-stream")}}}


def create_api_app(services: GatewayServices, body_limit: int = DEFAULT_LIMIT) -> FastAPI:
    """Build the local API app for ``services``."""
    app = FastAPI(title="ssd-gateway local API", version=__version__,
                  description="Lokal API for journalsystemer / Local API for journal systems.\n\n"
                  "Authenticate with `Authorization: Bearer <token>` (a token of this "
                  "gateway's organisation, created with `ssd-gateway tokens create`). Errors "
                  "are RFC 9457 problem details (`application/problem+json`) with a stable "
                  "`code` and `errors[]` carrying the validation path or the rule's reason "
                  f"code. Request bodies over {body_limit} bytes are refused (413); unknown "
                  "fields are refused with their path (422).")
    app.state.sessions = services.sessions
    problems.install(app)
    _health_routes(app, services)
    _policy_routes(app, services)
    _transfer_routes(app, services)
    _consent_routes(app, services)
    _handover_routes(app, services)
    _operations_routes(app, services)
    app.add_middleware(BodySizeLimit, limit=body_limit)
    install_openapi(app)
    return app


def _health_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.get("/healthz", tags=["health"], summary="Liveness")
    def healthz() -> dict[str, str]:
        """Processen kører. / The process is alive."""
        return {"status": "alive"}

    @app.get("/readyz", tags=["health"], response_model=Readiness, summary="Readiness",
             responses={503: {"model": Readiness, "description": "not ready"}})
    def readyz() -> JSONResponse:
        """Database, kø, certifikat og partnere. / Database, broker, certificate and peers."""
        checks = services.readiness()
        ready = all(c.ok for c in checks)
        body = {"ready": ready, "checks": [c.__dict__ for c in checks]}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse,
             summary="Prometheus metrics")
    def metrics() -> Response:
        """Prometheus-metrikker. / Prometheus metrics."""
        return Response(services.metrics_exposition(),
                        media_type="text/plain; version=0.0.4; charset=utf-8")


def _policy_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/policy/decide", tags=["policy"], response_model=Decision,
              summary="Decide a transfer (no side effects)")
    def decide(request: dict[str, Any] = BodyParam(..., description="decision.schema.json "
                                                   "request"),
               _who: Principal = Depends(need("policy"))) -> dict[str, Any]:
        """Afgørelse efter decision.schema.json. / A decision per decision.schema.json.

        An invalid request is answered with a `deny` decision carrying `RECORD_INVALID`
        (rule GEN-3), as the policy engine does everywhere.
        """
        return services.decide(request)

    @app.post("/v1/policy/explain", tags=["policy"], response_model=Explained,
              summary="Decide and explain a transfer")
    def explain(request: dict[str, Any] = BodyParam(..., description="decision.schema.json "
                                                    "request"),
                lang: Literal["da", "en"] = Query("da"),
                _who: Principal = Depends(need("policy"))) -> dict[str, Any]:
        """Afgørelsen forklaret. / The decision explained, with remedies."""
        return services.explain(request, lang)


def _transfer_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/messages", tags=["transfers"], status_code=202, response_model=TransferView,
              summary="Submit a canonical message")
    def submit(message: dict[str, Any] = BodyParam(..., description="a canonical message "
                                                   "(envelope with its record)"),
               format: Format = FORMAT,
               who: Principal = Depends(need("submit"))) -> TransferView:
        """Indsend en kanonisk meddelelse. / Submit a canonical message.

        The message is validated, decided, logged and (if permitted) rendered, signed and
        queued. A refusal is no error: the answer is the transfer with `state` `denied` and
        the `reasons`; nothing leaves the gateway.
        """
        return services.submit(message, format, who)

    @app.post("/v1/exports/{mapping_id}", tags=["transfers"], status_code=202,
              response_model=ExportReport, openapi_extra=EXPORT_BODY,
              summary="Submit a journal export through a mapping")
    async def submit_export(mapping_id: str, request: Request,
                            to: str = Query(..., description="recipient organisation id"),
                            format: Format = FORMAT,
                            who: Principal = Depends(need("submit"))) -> dict[str, Any]:
        """Indsend et journaludtræk med en mapning. / Submit a journal export with a mapping.

        Each record that maps is submitted to `to`; each that does not is kept in
        quarantine with its problems. The answer reports every record.
        """
        export = await request.body()
        return await run_in_threadpool(services.submit_mapped, mapping_id, export, format, who,
                                       to)

    @app.get("/v1/transfers/{transfer_id}", tags=["transfers"], response_model=TransferView,
             summary="Follow a transfer")
    def transfer(transfer_id: str, who: Principal = Depends(need("read"))) -> TransferView:
        """Følg en overførsel. / Follow a transfer: its decision and delivery state."""
        return services.transfer(transfer_id, who)

    @app.get("/v1/transfers", tags=["transfers"], response_model=list[TransferView],
             summary="List transfers")
    def transfers(state: str | None = Query(None, description="denied, pending, sending, "
                                            "transient_error, acked, nacked, dead, cancelled"),
                  kind: str | None = Query(None, description="record kind, e.g. stafetlog"),
                  peer: str | None = Query(None, description="recipient organisation id"),
                  limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                  who: Principal = Depends(need("read"))) -> list[TransferView]:
        """Overførsler med filtre, nyeste først. / Transfers with filters, newest first."""
        return services.transfers(who, state, kind, peer, limit, offset)


def _consent_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/consents", tags=["consents"], status_code=201,
              response_model=ConsentRegistered, summary="Register a consent")
    def register(consent: dict[str, Any] = BodyParam(..., description="a consent record "
                                                     "(DOMAIN.md §3.1)"),
                 who: Principal = Depends(need("consents"))) -> dict[str, Any]:
        """Registrér et samtykke. / Register a consent."""
        return services.register_consent(consent, who)

    @app.get("/v1/consents", tags=["consents"], summary="Consents about a child")
    def listing(child: str = Query(..., description="CPR or replacement id"),
                who: Principal = Depends(need("consents"))) -> list[dict[str, Any]]:
        """Samtykker om et barn (også tilbagekaldte og udløbne). / Consents about one child."""
        return services.consents(child, who)

    @app.post("/v1/consents/{consent_id}/revoke", tags=["consents"],
              response_model=ConsentRevoked, summary="Revoke a consent")
    def revoke(consent_id: str, body: RevokeBody | None = None,
               who: Principal = Depends(need("consents"))) -> dict[str, Any]:
        """Tilbagekald et samtykke. / Revoke a consent.

        Transfers still waiting on it are cancelled; organisations that received data on it
        are told. Every later decision that relies on it is refused (`CONSENT_REVOKED`).
        """
        return services.revoke_consent(consent_id, body.revoked_at if body else None, who)


def _handover_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/stafetlogs/{stafetlog_id}/handover", tags=["stafetlog"], status_code=202,
              response_model=HandoverOffered, summary="Offer the relay")
    def offer(stafetlog_id: str, body: HandoverOfferBody,
              who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Tilbyd stafetten. / Offer the relay of a stafetlog this gateway holds."""
        return services.offer_handover(stafetlog_id, body, who)

    @app.post("/v1/handovers/{offer_id}/accept", tags=["stafetlog"], status_code=202,
              response_model=HandoverAnswered, summary="Accept a received offer")
    def accept(offer_id: str, body: HandoverAnswerBody,
               who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Modtag stafetten. / Accept the relay; both sides switch once the answer is acked."""
        return services.answer_handover(offer_id, True, body, who)

    @app.post("/v1/handovers/{offer_id}/refuse", tags=["stafetlog"], status_code=202,
              response_model=HandoverAnswered, summary="Refuse a received offer")
    def refuse(offer_id: str, body: HandoverAnswerBody,
               who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Afvis stafetten. / Refuse the relay; the offering holder stays holder."""
        return services.answer_handover(offer_id, False, body, who)

    @app.post("/v1/handovers/{offer_id}/withdraw", tags=["stafetlog"],
              response_model=HandoverWithdrawn, summary="Withdraw an open offer")
    def withdraw(offer_id: str,
                 who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Træk tilbuddet tilbage. / Withdraw an offer not yet answered."""
        return services.withdraw_handover(offer_id, who)


def _operations_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/queue/{transfer_id}/retry", tags=["operations"], response_model=TransferView,
              summary="Retry a transfer now")
    def retry(transfer_id: str, body: OperatorAction | None = None,
              who: Principal = Depends(need("operations"))) -> TransferView:
        """Prøv igen nu. / Retry a failing or dead transfer now."""
        return services.operator_retry(transfer_id, who, body.reason if body else "")

    @app.post("/v1/queue/{transfer_id}/cancel", tags=["operations"], response_model=TransferView,
              summary="Cancel a waiting transfer")
    def cancel(transfer_id: str, body: OperatorAction | None = None,
               who: Principal = Depends(need("operations"))) -> TransferView:
        """Annullér. / Cancel a transfer that has not been sent."""
        return services.operator_cancel(transfer_id, who, body.reason if body else "")

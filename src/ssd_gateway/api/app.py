"""The local API application: routes over a ``GatewayServices`` implementation.

The routes only translate HTTP to service calls; every decision and every side effect lives
in the services (``ssd_gateway.gateway``). Authentication: bearer tokens scoped to one
organisation and to operations (``api.security``). Errors: RFC 9457 (``api.problems``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fastapi import Body as BodyParam
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from ssd_gateway import __version__
from ssd_gateway.accounts import Principal
from ssd_gateway.api import problems
from ssd_gateway.api.limits import DEFAULT_LIMIT, BodySizeLimit
from ssd_gateway.api.schemas import (
    HandoverAnswerBody,
    HandoverOfferBody,
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
                      who: Principal) -> dict[str, Any]:
        """Map a journal export and submit each record; report per record."""
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


def create_api_app(services: GatewayServices, body_limit: int = DEFAULT_LIMIT) -> FastAPI:
    """Build the local API app for ``services``."""
    app = FastAPI(title="ssd-gateway local API", version=__version__,
                  description="Lokal API for journalsystemer / Local API for journal systems. "
                  "Fejl er RFC 9457 problem details med sti og årsagskode.")
    app.state.sessions = services.sessions
    problems.install(app)
    _health_routes(app, services)
    _policy_routes(app, services)
    _transfer_routes(app, services)
    _consent_routes(app, services)
    _handover_routes(app, services)
    _operations_routes(app, services)
    app.add_middleware(BodySizeLimit, limit=body_limit)
    return app


def _health_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Processen kører. / The process is alive."""
        return {"status": "alive"}

    @app.get("/readyz", tags=["health"], response_model=Readiness)
    def readyz() -> JSONResponse:
        """Database, kø, certifikat og partnere. / Database, broker, certificate and peers."""
        checks = services.readiness()
        ready = all(c.ok for c in checks)
        body = {"ready": ready, "checks": [c.__dict__ for c in checks]}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    def metrics() -> Response:
        """Prometheus-metrikker. / Prometheus metrics."""
        return Response(services.metrics_exposition(),
                        media_type="text/plain; version=0.0.4; charset=utf-8")


def _policy_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/policy/decide", tags=["policy"])
    def decide(request: dict[str, Any] = BodyParam(...),
               _who: Principal = Depends(need("policy"))) -> dict[str, Any]:
        """Afgørelse efter decision.schema.json. / A decision per decision.schema.json."""
        return services.decide(request)

    @app.post("/v1/policy/explain", tags=["policy"])
    def explain(request: dict[str, Any] = BodyParam(...), lang: str = Query("da"),
                _who: Principal = Depends(need("policy"))) -> dict[str, Any]:
        """Afgørelsen forklaret. / The decision explained, with remedies."""
        return services.explain(request, lang)


def _transfer_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/messages", tags=["transfers"], status_code=202, response_model=TransferView)
    def submit(message: dict[str, Any] = BodyParam(...), format: str = Query("fhir"),
               who: Principal = Depends(need("submit"))) -> TransferView:
        """Indsend en kanonisk meddelelse. / Submit a canonical message."""
        return services.submit(message, format, who)

    @app.post("/v1/exports/{mapping_id}", tags=["transfers"], status_code=202)
    async def submit_export(mapping_id: str, request: Request, format: str = Query("fhir"),
                            who: Principal = Depends(need("submit"))) -> dict[str, Any]:
        """Indsend et journaludtræk med en mapning. / Submit a journal export with a mapping."""
        return services.submit_mapped(mapping_id, await request.body(), format, who)

    @app.get("/v1/transfers/{transfer_id}", tags=["transfers"], response_model=TransferView)
    def transfer(transfer_id: str, who: Principal = Depends(need("read"))) -> TransferView:
        """Følg en overførsel. / Follow a transfer."""
        return services.transfer(transfer_id, who)

    @app.get("/v1/transfers", tags=["transfers"], response_model=list[TransferView])
    def transfers(state: str | None = None, kind: str | None = None, peer: str | None = None,
                  limit: int = Query(50, le=500), offset: int = 0,
                  who: Principal = Depends(need("read"))) -> list[TransferView]:
        """Overførsler med filtre. / Transfers with filters."""
        return services.transfers(who, state, kind, peer, limit, offset)


def _consent_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/consents", tags=["consents"], status_code=201)
    def register(consent: dict[str, Any] = BodyParam(...),
                 who: Principal = Depends(need("consents"))) -> dict[str, Any]:
        """Registrér et samtykke. / Register a consent."""
        return services.register_consent(consent, who)

    @app.get("/v1/consents", tags=["consents"])
    def listing(child: str = Query(..., description="CPR or replacement id"),
                who: Principal = Depends(need("consents"))) -> list[dict[str, Any]]:
        """Samtykker om et barn. / Consents about one child."""
        return services.consents(child, who)

    @app.post("/v1/consents/{consent_id}/revoke", tags=["consents"])
    def revoke(consent_id: str, body: RevokeBody | None = None,
               who: Principal = Depends(need("consents"))) -> dict[str, Any]:
        """Tilbagekald et samtykke. / Revoke a consent."""
        return services.revoke_consent(consent_id, body.revoked_at if body else None, who)


def _handover_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/stafetlogs/{stafetlog_id}/handover", tags=["stafetlog"], status_code=202)
    def offer(stafetlog_id: str, body: HandoverOfferBody,
              who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Tilbyd stafetten. / Offer the relay."""
        return services.offer_handover(stafetlog_id, body, who)

    @app.post("/v1/handovers/{offer_id}/accept", tags=["stafetlog"])
    def accept(offer_id: str, body: HandoverAnswerBody,
               who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Modtag stafetten. / Accept the relay."""
        return services.answer_handover(offer_id, True, body, who)

    @app.post("/v1/handovers/{offer_id}/refuse", tags=["stafetlog"])
    def refuse(offer_id: str, body: HandoverAnswerBody,
               who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Afvis stafetten. / Refuse the relay."""
        return services.answer_handover(offer_id, False, body, who)

    @app.post("/v1/handovers/{offer_id}/withdraw", tags=["stafetlog"])
    def withdraw(offer_id: str, who: Principal = Depends(need("handover"))) -> dict[str, Any]:
        """Træk tilbuddet tilbage. / Withdraw the offer."""
        return services.withdraw_handover(offer_id, who)


def _operations_routes(app: FastAPI, services: GatewayServices) -> None:
    @app.post("/v1/queue/{transfer_id}/retry", tags=["operations"], response_model=TransferView)
    def retry(transfer_id: str, body: OperatorAction | None = None,
              who: Principal = Depends(need("operations"))) -> TransferView:
        """Prøv igen nu. / Retry now."""
        return services.operator_retry(transfer_id, who, body.reason if body else "")

    @app.post("/v1/queue/{transfer_id}/cancel", tags=["operations"], response_model=TransferView)
    def cancel(transfer_id: str, body: OperatorAction | None = None,
               who: Principal = Depends(need("operations"))) -> TransferView:
        """Annullér. / Cancel."""
        return services.operator_cancel(transfer_id, who, body.reason if body else "")

"""RFC 9457 problem details: the one boundary where errors become HTTP answers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from ssd_gateway.accounts import AuthError
from ssd_gateway.exceptions import (
    GatewayError,
    NotFound,
    PeerRefused,
    PolicyError,
    RecordInvalid,
    UnsafeInput,
)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ssd-gateway.dk/problems/"

_STATUS: list[tuple[type[GatewayError], int]] = [
    (RecordInvalid, 422), (UnsafeInput, 400), (NotFound, 404), (AuthError, 403),
    (PeerRefused, 403), (PolicyError, 400),
]


def problem(status: int, code: str, title: str, detail: str = "",
            errors: list[dict[str, Any]] | None = None, **extra: Any) -> JSONResponse:
    """Build a problem-details response."""
    body: dict[str, Any] = {"type": TYPE_BASE + code.lower().replace("_", "-"), "title": title,
                            "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _status_of(exc: GatewayError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 502 if exc.code.startswith("DELIVERY") else 500


async def _gateway_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    errors = None
    if isinstance(exc, RecordInvalid):
        errors = [{"path": p.path, "code": p.code, "message": p.message_da,
                   "message_en": p.message_en} for p in exc.problems]
    status = 401 if isinstance(exc, AuthError) and "token" in str(exc) else _status_of(exc)
    return problem(status, exc.code, type(exc).__name__, str(exc) if not errors else "",
                   errors)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"path": ".".join(str(p) for p in err["loc"][1:]) or "<body>",
               "code": err["type"], "message": err["msg"]} for err in exc.errors()]
    return problem(422, "RECORD_INVALID", "Request body invalid", errors=errors)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, f"HTTP_{exc.status_code}", str(exc.detail))


def install(app: FastAPI) -> None:
    """Register the problem-details handlers on ``app``."""
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)

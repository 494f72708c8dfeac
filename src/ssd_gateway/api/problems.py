"""RFC 9457 problem details: the one boundary where errors become HTTP answers.

Every problem has ``type``, ``title``, ``status`` and ``code``; validation problems carry
``errors[]`` with the ``path`` into the submitted JSON and a ``code``, a refused action on a
denied transfer carries the rule's reason ``code`` and ``rule`` id in ``errors[]``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from ssd_gateway.accounts import AuthError
from ssd_gateway.api.errors import Conflict, Unauthenticated
from ssd_gateway.exceptions import (
    GatewayError,
    NotFound,
    PeerRefused,
    PolicyError,
    RecordInvalid,
    UnsafeInput,
)
from ssd_gateway.registry.stafetlog import StafetlogStateError

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://ssd-gateway.dk/problems/"

#: exception class → (HTTP status, title); the first match wins
_STATUS: list[tuple[type[GatewayError], int, str]] = [
    (RecordInvalid, 422, "The record is invalid"),
    (UnsafeInput, 400, "Unsafe input refused"),
    (NotFound, 404, "Not found"),
    (Unauthenticated, 401, "Authentication required"),
    (AuthError, 403, "Not allowed"),
    (PeerRefused, 403, "Peer refused"),
    (PolicyError, 400, "Policy configuration error"),
    (Conflict, 409, "Not possible in the transfer's state"),
    (StafetlogStateError, 409, "Not possible in the stafetlog's state"),
]


def problem(status: int, code: str, title: str, detail: str = "",
            errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """Build a problem-details response."""
    body: dict[str, Any] = {"type": TYPE_BASE + code.lower().replace("_", "-"), "title": title,
                            "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _status_of(exc: GatewayError) -> tuple[int, str]:
    for cls, status, title in _STATUS:
        if isinstance(exc, cls):
            return status, title
    if exc.code.startswith("DELIVERY"):
        return 502, "Delivery failed"
    return 500, "Gateway error"


async def _gateway_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    errors: list[dict[str, Any]] | None = None
    if isinstance(exc, RecordInvalid):
        errors = [{"path": p.path, "code": p.code, "message": p.message_da,
                   "message_en": p.message_en} for p in exc.problems]
    elif isinstance(exc, Conflict):
        errors = exc.errors
    status, title = _status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    detail = str(exc) if not isinstance(exc, RecordInvalid) else ""
    return problem(status, exc.code, title, detail, errors, headers)


def _path(loc: tuple[Any, ...], kind: str) -> str:
    if kind == "json_invalid":
        return "<body>"
    return ".".join(str(p) for p in loc[1:]) or "<body>"


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"path": _path(tuple(err["loc"]), err["type"]), "in": str(err["loc"][0]),
               "code": err["type"], "message": err["msg"]} for err in exc.errors()]
    return problem(422, "REQUEST_INVALID", "The request is invalid", errors=errors)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, f"HTTP_{exc.status_code}", str(exc.detail))


async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
    return problem(500, "INTERNAL", "Internal error",
                   "the gateway failed unexpectedly; the operators can see the log")


def install(app: FastAPI) -> None:
    """Register the problem-details handlers on ``app``."""
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

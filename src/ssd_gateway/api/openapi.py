"""The local API's OpenAPI document: tags, the bearer scheme and problem-details responses.

FastAPI generates the paths from the routes; this adds what it cannot know: every ``/v1``
operation answers errors as ``application/problem+json`` (RFC 9457) with the gateway's
``Problem`` schema, instead of FastAPI's default validation-error body.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ssd_gateway.api.problems import MEDIA_TYPE
from ssd_gateway.api.schemas import Problem, ProblemError

TAGS = [
    {"name": "transfers", "description": "Indsend og følg overførsler. / Submit records "
     "(canonical JSON or a journal export with a mapping) and follow them."},
    {"name": "consents", "description": "Samtykker. / Register, list and revoke consents."},
    {"name": "stafetlog", "description": "Stafetten. / Offer, accept, refuse and withdraw "
     "the relay of a stafetlog (offer → accept; the holder stays holder until accepted)."},
    {"name": "policy", "description": "Politikmotoren. / Decide and explain a transfer "
     "without sending anything (decision.schema.json)."},
    {"name": "operations", "description": "Drift. / Retry or cancel a queued transfer."},
    {"name": "health", "description": "Liveness, readiness and metrics (no token)."},
]

_ERRORS: dict[str, str] = {
    "401": "No token, or an unknown or revoked one (`UNAUTHORISED`)",
    "403": "The token lacks the scope, or belongs to another organisation (`FORBIDDEN`); "
           "or the recipient does not accept the message (`PEER_REFUSED`)",
    "404": "Unknown id (`NOT_FOUND`)",
    "409": "The transfer's or offer's state does not allow this (`TRANSFER_STATE`, "
           "`TRANSFER_DENIED` with the rule's reason codes, `HANDOVER_NOT_OPEN`, "
           "`STAFETLOG_STATE`)",
    "413": "The body is over the size limit (`PAYLOAD_TOO_LARGE`)",
    "422": "The record or the request is invalid (`RECORD_INVALID`, `REQUEST_INVALID`); "
           "`errors[]` has each path and code",
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _errors_of(path: str, method: str) -> list[str]:
    codes = ["401", "403", "422"]
    if "{" in path:
        codes.append("404")
    if method == "post":
        codes.append("413")
    if path.startswith(("/v1/queue/", "/v1/handovers/")):
        codes.append("409")
    return sorted(codes)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app``, with problem responses and tag descriptions."""
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes, tags=TAGS)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ProblemError):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        definition.pop("$defs", None)
        components[model.__name__] = definition
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if not path.startswith("/v1/"):
                continue
            for code in _errors_of(path, method):
                responses[code] = _problem_response(_ERRORS[code])
    return schema


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return ``build_openapi(app)``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def openapi_text(doc: dict[str, Any]) -> str:
    """The document as shipped in ``docs/openapi.json`` (indented, final newline)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def document() -> dict[str, Any]:
    """The OpenAPI document, built without a running gateway (for ``ssd-gateway api openapi``)."""
    from typing import cast

    from ssd_gateway.api.app import GatewayServices, create_api_app

    class _Offline:
        sessions = None

    return create_api_app(cast(GatewayServices, _Offline())).openapi()

"""Bearer-token authentication of journal systems, scoped to an organisation and operations."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ssd_gateway.accounts import AuthError, Principal, authenticate_token
from ssd_gateway.api.errors import Forbidden, Unauthenticated

bearer = HTTPBearer(auto_error=False, scheme_name="token",
                    description="API-token pr. journalsystem, bundet til én organisation og "
                    "til scopes (submit, read, consents, handover, policy, operations); "
                    "oprettes med `ssd-gateway tokens create`. / One token per journal "
                    "system, bound to one organisation and to scopes.")


def principal(request: Request,
              credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """Return the caller's principal from its bearer token, or raise Unauthenticated (401)."""
    if credentials is None:
        raise Unauthenticated("missing bearer token")
    with request.app.state.sessions() as db:
        try:
            return authenticate_token(db, credentials.credentials)
        except AuthError as exc:
            raise Unauthenticated(str(exc)) from None


def need(scope: str) -> Callable[[Principal], Principal]:
    """A dependency that requires ``scope`` of the calling token (403 without it)."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if not who.may(scope):
            raise Forbidden(f"scope '{scope}' required")
        return who

    return check

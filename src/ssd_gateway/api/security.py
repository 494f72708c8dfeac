"""Bearer-token authentication of journal systems, scoped to an organisation and operations."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ssd_gateway.accounts import AuthError, Principal, authenticate_token

bearer = HTTPBearer(auto_error=False, description="API-token pr. journalsystem / per system")


def principal(request: Request,
              credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """Return the caller's principal from its bearer token, or raise AuthError (401)."""
    if credentials is None:
        raise AuthError("missing bearer token")
    with request.app.state.sessions() as db:
        return authenticate_token(db, credentials.credentials)


def need(scope: str) -> Callable[[Principal], Principal]:
    """A dependency that requires ``scope`` of the calling token."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if not who.may(scope):
            raise AuthError(f"scope '{scope}' required")
        return who

    return check

"""Errors the local API answers with a specific status (401, 403, 409), beside GatewayError's.

Kept free of web imports so that the services (``ssd_gateway.gateway.services``) can raise
them; ``api.problems`` turns them into RFC 9457 problem details.
"""

from __future__ import annotations

from typing import Any

from ssd_gateway.accounts import AuthError
from ssd_gateway.exceptions import GatewayError


class Unauthenticated(AuthError):
    """No bearer token, or an unknown or revoked one (401)."""

    code = "UNAUTHORISED"


class Forbidden(AuthError):
    """A valid token without the scope, or of another organisation (403)."""

    code = "FORBIDDEN"


class Conflict(GatewayError):
    """The transfer is not in a state that allows the action (409).

    ``errors`` carries one entry per reason; for a denied transfer, each with the rule's
    reason ``code`` and ``rule`` id.
    """

    code = "TRANSFER_STATE"

    def __init__(self, message: str, *, code: str | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.errors = errors or []

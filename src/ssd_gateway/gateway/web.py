"""The gateway's web pages: compliance (evidence log) and operations, on the API listener."""

from __future__ import annotations

from starlette.applications import Starlette

from ssd_gateway.gateway.runtime import Gateway
from ssd_gateway.web.app import create_web_app
from ssd_gateway.web.compliance import compliance_routes
from ssd_gateway.web.core import WebContext
from ssd_gateway.web.operations import operations_routes


def pages_app(gateway: Gateway) -> Starlette:
    """The compliance and operations pages of ``gateway``."""
    ctx = WebContext(sessions=gateway.sessions, audit=gateway.audit)
    names = {peer.org_id: peer.name for peer in gateway.directory}
    routes = compliance_routes(ctx, gateway.audit, certificate=gateway.settings.tls.cert_file,
                               org_names=names)
    return create_web_app(ctx, [*routes, *operations_routes(ctx, gateway)])

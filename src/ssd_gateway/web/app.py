"""The web application: login, a role-aware start page, and the page modules mounted on it."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ssd_gateway.web import login
from ssd_gateway.web.core import WebContext, render, requires

#: (role, path, text key) of the start page's links
MENU: list[tuple[str, str, str]] = []


def create_web_app(ctx: WebContext, pages: Iterable[BaseRoute] = ()) -> Starlette:
    """Build the Starlette app for the compliance and operations pages."""

    @requires(ctx, "compliance_or_operations")
    async def home(request: Request) -> Response:
        principal = request.scope["principal"]
        links = [(path, key) for role, path, key in MENU if principal.may(role)]
        return render(ctx, request, "home.html", links=links)

    routes: list[BaseRoute] = [Route("/", home), *login.routes(ctx), *pages]
    return Starlette(routes=routes)

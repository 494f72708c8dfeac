"""Login and logout pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ssd_gateway.accounts import AuthError, login
from ssd_gateway.web import sessions
from ssd_gateway.web.core import WebContext, render


def routes(ctx: WebContext) -> list[Route]:
    """The ``/login`` and ``/logout`` routes."""

    async def login_page(request: Request) -> Response:
        if request.method == "GET":
            return render(ctx, request, "login.html", next=request.query_params.get("next", "/"))
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        target = str(form.get("next") or "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        try:
            with ctx.sessions.begin() as db:
                principal = login(db, username, password)
                token = sessions.open_session(db, principal.name)
        except AuthError:
            return render(ctx, request, "login.html", status=401, error=True, next=target)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="strict",
                            max_age=int(sessions.LIFETIME.total_seconds()))
        return response

    async def logout(request: Request) -> Response:
        with ctx.sessions.begin() as db:
            sessions.close_session(db, request.cookies.get(sessions.COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(sessions.COOKIE)
        return response

    return [Route("/login", login_page, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"])]

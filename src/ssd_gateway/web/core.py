"""The web pages' shared machinery: language, templates, login, role checks, page-view audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ssd_gateway.accounts import Principal
from ssd_gateway.contracts import AuditEvent, AuditSink
from ssd_gateway.web import sessions
from ssd_gateway.web.i18n import LANGS, other_lang, t

TEMPLATES = Path(__file__).parent / "templates"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class WebContext:
    """What the pages need: the database, the evidence log, extra template folders."""

    sessions: sessionmaker[Session]
    audit: AuditSink | None = None
    template_dirs: list[Path] = field(default_factory=list)
    env: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader([TEMPLATES, *self.template_dirs]),
            autoescape=select_autoescape(["html"]),
        )


def lang_of(request: Request) -> str:
    """Language from ``?lang=``, then the cookie, else Danish."""
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "da"
    return lang if lang in LANGS else "da"


def render(ctx: WebContext, request: Request, template: str, status: int = 200,
           **values: Any) -> HTMLResponse:
    """Render ``template`` in the request's language and remember the language in a cookie."""
    lang = lang_of(request)
    query = dict(request.query_params)
    query["lang"] = other_lang(lang)
    page = ctx.env.get_template(template).render(
        lang=lang, other_lang=other_lang(lang), lang_query=urlencode(query),
        t=lambda key: t(key, lang), principal=request.scope.get("principal"), **values)
    response = HTMLResponse(page, status_code=status)
    response.set_cookie("lang", lang, samesite="lax", httponly=True)
    return response


def requires(ctx: WebContext, role: str) -> Callable[[Handler], Handler]:
    """Wrap a page so only a logged-in principal with ``role`` sees it."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            with ctx.sessions() as db:
                principal = sessions.principal_for(db, request.cookies.get(sessions.COOKIE))
            if principal is None:
                target = urlencode({"next": str(request.url.path)})
                return RedirectResponse(f"/login?{target}", status_code=303)
            if not principal.may(role):
                request.scope["principal"] = principal
                return render(ctx, request, "forbidden.html", status=403)
            request.scope["principal"] = principal
            return await handler(request)

        return guarded

    return wrap


def log_page_view(ctx: WebContext, request: Request, page: str,
                  child_id: str | None = None, **detail: Any) -> None:
    """Write a ``page_view`` evidence entry for a page that shows personal data."""
    if ctx.audit is None:
        return
    principal: Principal | None = request.scope.get("principal")
    event = AuditEvent(kind="page_view", at=datetime.now(UTC),
                       actor=principal.name if principal else "anonymous",
                       child_id=child_id, detail={"page": page, **detail})
    with ctx.sessions.begin() as db:
        ctx.audit.append(db, event)

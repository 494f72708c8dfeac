"""``ssd-gateway tokens …`` and ``accounts add``: who may use a gateway.

``tokens create`` makes an API token for a journal system, bound to the gateway's
organisation and to scopes, and prints it once (only its SHA-256 is stored); ``tokens list``
shows ids, labels, scopes and whether revoked (never the token); ``tokens revoke ID`` ends
one. ``accounts add USER --role …`` makes or replaces a login for the web pages (the password
from ``--password-stdin`` or a prompt; scrypt-hashed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from ssd_gateway.settings import Settings

Config = Annotated[Path | None, typer.Option(
    "--config", "-c", exists=True, dir_okay=False,
    help="gateway.toml (default: settings from the environment)")]

tokens_app = typer.Typer(help="API-tokens til journalsystemer. / API tokens for journal systems.",
                         no_args_is_help=True)
accounts_app = typer.Typer(help="Logins til websiderne. / Logins for the web pages.",
                           no_args_is_help=True)


def _open(config: Path | None) -> tuple[Settings, sessionmaker[Session]]:
    """The gateway's settings and its database (tables created if the gateway never ran)."""
    from ssd_gateway.accounts import AccountRow, TokenRow
    from ssd_gateway.db import make_engine, make_sessionmaker
    from ssd_gateway.settings import load_settings

    settings = load_settings(config)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    for table in (AccountRow, TokenRow):
        table.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    return settings, make_sessionmaker(engine)


@tokens_app.command("create")
def create(
    scope: Annotated[list[str], typer.Option(
        "--scope", "-s", help="submit, read, consents, handover, policy, operations "
        "(repeatable)")],
    config: Config = None,
    org: Annotated[str | None, typer.Option(
        "--org", help="the organisation (must be the gateway's; default: it)")] = None,
    label: Annotated[str, typer.Option("--label", help="which system uses it")] = "",
) -> None:
    """Opret et token og vis det én gang. / Create a token and print it once."""
    from ssd_gateway.accounts import create_token
    from ssd_gateway.cli.errors import exit_on_error

    with exit_on_error():
        settings, sessions = _open(config)
        own = settings.organisation.org_id
        if org is not None and org != own:
            typer.echo(f"--org {org}: denne gateway taler for {own}; et token kan kun handle "
                       f"for den / this gateway speaks for {own}; a token acts for it only",
                       err=True)
            raise typer.Exit(2)
        with sessions.begin() as session:
            token = create_token(session, own, set(scope), label)
    typer.echo(token)
    typer.echo(f"Gem tokenet nu; det vises ikke igen. / Keep the token now; it is not shown "
               f"again. ({own}: {', '.join(sorted(set(scope)))})", err=True)


@tokens_app.command("list")
def list_tokens(
    config: Config = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """Vis tokens (aldrig selve tokenet). / List tokens (never the token itself)."""
    from sqlalchemy import select

    from ssd_gateway.accounts import TokenRow
    from ssd_gateway.cli.errors import exit_on_error

    with exit_on_error():
        _, sessions = _open(config)
        with sessions() as session:
            rows = list(session.scalars(select(TokenRow).order_by(TokenRow.created_at)))
    for row in rows:
        scopes = json.loads(row.scopes)
        revoked = row.revoked_at.isoformat() if row.revoked_at else None
        if as_json:
            typer.echo(json.dumps({"id": row.id, "org_id": row.org_id, "scopes": scopes,
                                   "label": row.label, "created_at": row.created_at.isoformat(),
                                   "revoked_at": revoked}, ensure_ascii=False))
        else:
            status = f"tilbagekaldt/revoked {revoked}" if revoked else "aktiv/active"
            typer.echo(f"{row.id}  {row.org_id}  {','.join(scopes)}  {row.label or '-'}  "
                       f"{status}")
    if not rows and not as_json:
        typer.echo("ingen tokens / no tokens")


@tokens_app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="the id shown by 'tokens list'")],
    config: Config = None,
) -> None:
    """Tilbagekald et token. / Revoke a token."""
    from ssd_gateway.accounts import revoke_token
    from ssd_gateway.cli.errors import exit_on_error

    with exit_on_error():
        _, sessions = _open(config)
        with sessions.begin() as session:
            revoke_token(session, token_id)
    typer.echo(f"{token_id}: tilbagekaldt / revoked")


@accounts_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option("--role", help="compliance, operations or admin")],
    config: Config = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="read the password from the first line of stdin")] = False,
) -> None:
    """Opret eller erstat et login. / Create or replace a login for the web pages."""
    from ssd_gateway.accounts import ROLES, add_account
    from ssd_gateway.cli.errors import exit_on_error

    if role not in ROLES:
        typer.echo(f"--role: {', '.join(sorted(ROLES))}", err=True)
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Adgangskode / password", hide_input=True,
                                confirmation_prompt=True)
    with exit_on_error():
        _, sessions = _open(config)
        with sessions.begin() as session:
            add_account(session, username, password, role)
    typer.echo(f"{username}: {role}")


def register(app: typer.Typer) -> None:
    """Add ``tokens`` and ``accounts`` to the root app."""
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(accounts_app, name="accounts")

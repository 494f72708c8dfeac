"""``tokens create|list|revoke`` and ``accounts add`` against a sandbox gateway's database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ssd_gateway.accounts import AuthError, authenticate_token, login
from ssd_gateway.cli.app import build
from ssd_gateway.db import make_engine, make_sessionmaker
from ssd_gateway.sandbox import SandboxGateway
from ssd_gateway.settings import load_settings
from tests.api.conftest import SCHOOL, SOCIAL

runner = CliRunner()
app = build()


@pytest.fixture(scope="module")
def config(sandbox: dict[str, SandboxGateway]) -> str:
    """The school's gateway.toml (its gateway has never run)."""
    return str(sandbox[SCHOOL].config)


def _db(config: str):  # type: ignore[no-untyped-def]
    return make_sessionmaker(make_engine(load_settings(config).effective_database_url))


def test_token_is_printed_once_listed_without_secret_and_revoked(config: str) -> None:
    """create prints a working token; list shows its id but never it; revoke ends it."""
    created = runner.invoke(app, ["tokens", "create", "--config", config, "--org", SCHOOL,
                                  "--scope", "submit", "--scope", "read",
                                  "--label", "Elevsystem"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("ssd_") and "\n" not in token
    with _db(config)() as session:
        who = authenticate_token(session, token)
    assert who.org_id == SCHOOL and who.scopes == {"submit", "read"}
    token_id = who.name.removeprefix("token:")

    listed = runner.invoke(app, ["tokens", "list", "--config", config])
    assert token_id in listed.stdout and "Elevsystem" in listed.stdout
    assert token not in listed.stdout

    revoked = runner.invoke(app, ["tokens", "revoke", token_id, "--config", config])
    assert revoked.exit_code == 0
    with _db(config)() as session, pytest.raises(AuthError):
        authenticate_token(session, token)
    listed = runner.invoke(app, ["tokens", "list", "--config", config, "--json"])
    assert '"revoked_at": null' not in next(line for line in listed.stdout.splitlines()
                                            if token_id in line)


def test_token_for_another_organisation_or_scope_is_refused(config: str) -> None:
    """--org other than the gateway's: exit 2; an unknown scope: exit 1; nothing printed."""
    other = runner.invoke(app, ["tokens", "create", "--config", config, "--org", SOCIAL,
                                "--scope", "submit"])
    assert other.exit_code == 2 and not other.stdout.startswith("ssd_")
    unknown = runner.invoke(app, ["tokens", "create", "--config", config, "--scope", "all"])
    assert unknown.exit_code == 1 and "ssd_" not in unknown.stdout


def test_revoking_an_unknown_token_fails(config: str) -> None:
    """tokens revoke with an id nobody issued exits non-zero."""
    assert runner.invoke(app, ["tokens", "revoke", "nope", "--config", config]).exit_code == 1


def test_account_from_stdin_can_log_in(config: str) -> None:
    """accounts add --password-stdin stores a login that works; a short password is refused."""
    added = runner.invoke(app, ["accounts", "add", "anna", "--role", "compliance",
                                "--config", config, "--password-stdin"],
                          input="rigtig-lang-adgangskode\n")
    assert added.exit_code == 0, added.output
    with _db(config)() as session:
        assert login(session, "anna", "rigtig-lang-adgangskode").role == "compliance"
    short = runner.invoke(app, ["accounts", "add", "bo", "--role", "admin", "--config", config,
                                "--password-stdin"], input="kort\n")
    assert short.exit_code == 1
    role = runner.invoke(app, ["accounts", "add", "bo", "--role", "boss", "--config", config,
                               "--password-stdin"], input="rigtig-lang-adgangskode\n")
    assert role.exit_code == 2


def test_account_password_from_prompt(config: str) -> None:
    """Without --password-stdin the password is asked twice (hidden)."""
    added = runner.invoke(app, ["accounts", "add", "ole", "--role", "operations",
                                "--config", config],
                          input="drift-adgangskode-1\ndrift-adgangskode-1\n")
    assert added.exit_code == 0, added.output
    with _db(config)() as session:
        assert login(session, "ole", "drift-adgangskode-1").role == "operations"

"""Root of the ``ssd-gateway`` command; each command module registers itself here.

Command modules keep heavy imports (fhir.resources, lxml, sqlalchemy) inside the command
functions, so that a bulk command such as ``policy decide -`` starts quickly.
"""

from __future__ import annotations

import importlib

import typer

from ssd_gateway import __version__

#: modules under ssd_gateway.cli with a ``register(app)`` function, in help order
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "records",
    "gateway",
    "policy",
    "mapping",
    "submit",
    "access",
    "quarantine",
    "queue",
    "worker",
    "log",
    "certs",
    "config",
    "doctor",
    "alerts",
)

app = typer.Typer(
    name="ssd-gateway",
    help="Lovlig og sporbar deling af stafetlog, samtykke og underretning. "
    "/ Lawful, provable sharing of stafetlog, consent and underretning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Vis versionen. / Show the version."""
    typer.echo(__version__)


def build() -> typer.Typer:
    """Register every command module on the root app and return it."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"ssd_gateway.cli.{name}").register(app)
    return app


def main() -> None:
    """Entry point of the ``ssd-gateway`` script."""
    build()()

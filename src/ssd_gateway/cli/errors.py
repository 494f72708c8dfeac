"""The one boundary where gateway errors become exit codes and bilingual messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError

from ssd_gateway.exceptions import GatewayError, RecordInvalid

EXIT_INVALID = 2
EXIT_ERROR = 1


@contextmanager
def exit_on_error(lang: str = "da") -> Iterator[None]:
    """Print a GatewayError (or a settings ValidationError) clearly and exit non-zero."""
    try:
        yield
    except RecordInvalid as exc:
        for problem in exc.problems:
            typer.echo(problem.render(lang), err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            path = ".".join(str(p) for p in err["loc"])
            typer.echo(f"{path}: {err['msg']}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except GatewayError as exc:
        typer.echo(f"{exc.code}: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None

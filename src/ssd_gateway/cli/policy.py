"""``ssd-gateway policy``: decide and explain transfers from the command line.

``decide FILE`` prints one decision as JSON; ``decide -`` reads JSON lines on stdin and writes
one decision per line. ``explain FILE`` prints the decision for a person (Danish by default).
FILE may hold a bare request or a scenario (``{"request": …, "expect": …}``). Imports of the
engine happen inside the commands so that the root CLI stays quick to start.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

policy_app = typer.Typer(
    help="Politikmotor: er overførslen lovlig, og hvorfor? / Policy engine: is it lawful, and why?",
    no_args_is_help=True,
)


def _load(file: str) -> object:
    import orjson

    from ssd_gateway.policy.bulk import request_of

    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    try:
        return request_of(orjson.loads(data))
    except orjson.JSONDecodeError:
        typer.echo(f"{file}: ikke gyldig JSON / not valid JSON", err=True)
        raise typer.Exit(2) from None


@policy_app.command("decide")
def decide_command(
    file: str = typer.Argument(..., help="request or scenario JSON; '-' = JSON lines on stdin"),
    jobs: int = typer.Option(0, "--jobs", "-j", help="worker processes for '-' (0 = CPUs)"),
) -> None:
    """Afgør én overførsel, eller én pr. linje fra stdin. / Decide one transfer, or one per line."""
    from ssd_gateway.exceptions import PolicyError

    if file == "-":
        from ssd_gateway.policy.bulk import decide_stream

        decide_stream(sys.stdin.buffer, sys.stdout.buffer, jobs or None)
        sys.stdout.buffer.flush()
        return
    import orjson

    from ssd_gateway.policy import decide

    try:
        decision = decide(_load(file))  # type: ignore[arg-type]
    except PolicyError as exc:
        typer.echo(f"{exc.code}: {exc}", err=True)
        raise typer.Exit(2) from None
    sys.stdout.buffer.write(orjson.dumps(decision.as_dict(), option=orjson.OPT_INDENT_2) + b"\n")


@policy_app.command("explain")
def explain_command(
    file: str = typer.Argument(..., help="request or scenario JSON ('-' = stdin)"),
    lang: str = typer.Option("da", "--lang", help="da or en"),
) -> None:
    """Forklar afgørelsen for et menneske. / Explain the decision for a person."""
    from ssd_gateway.exceptions import PolicyError
    from ssd_gateway.policy import decide
    from ssd_gateway.policy.explain import explain

    if lang not in ("da", "en"):
        typer.echo("--lang: da eller en / da or en", err=True)
        raise typer.Exit(2)
    try:
        request = _load(file)
        typer.echo(explain(decide(request), lang=lang))  # type: ignore[arg-type]
    except PolicyError as exc:
        typer.echo(f"{exc.code}: {exc}", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add the ``policy`` commands to the root app."""
    app.add_typer(policy_app, name="policy")

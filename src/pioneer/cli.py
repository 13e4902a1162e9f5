"""The ``pioneer`` command: a thin layer over the library."""

from __future__ import annotations

import sys

import typer

from pioneer.errors import PioneerError

app = typer.Typer(
    help="Evaluate integrated health and social care programmes.", no_args_is_help=True
)


@app.callback()
def _root() -> None:
    """Evaluate integrated health and social care programmes."""


@app.command()
def version() -> None:
    """Print the Pioneer version."""
    from pioneer import __version__

    typer.echo(__version__)


def main() -> None:
    """Entry point: user errors print ``ErrorName: message`` and exit 2."""
    try:
        app(standalone_mode=False)
    except PioneerError as error:
        typer.echo(f"{type(error).__name__}: {error}", err=True)
        sys.exit(2)

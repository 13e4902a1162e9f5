"""Run the ``pioneer`` command in-process for the functional tests."""

from __future__ import annotations

from pioneer.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``pioneer ARGS``."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err

"""The ``maintassist`` Typer app. Each command lives in ``assistant/cli/commands/<name>.py`` and takes
its shared options from ``assistant.cli.options`` (never from here, which loads them all)."""

from __future__ import annotations

import importlib
import os
import sys

import typer


class _App(typer.Typer):
    """The Typer app, run with private file permissions and one-line messages for failures a user
    can fix (disk full, read-only data dir, another ingest running) instead of a traceback."""

    def __call__(self, *args, **kwargs):
        from assistant.private_files import restrict_umask

        restrict_umask()  # inherited by `serve`'s Chainlit and model processes too
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            line = user_error(exc)
            if line is None:
                raise
            print(f"maintassist: {line}", file=sys.stderr)
            raise SystemExit(1) from None


def user_error(exc: BaseException) -> str | None:
    """One line for an error the user can fix, or None for a bug (which keeps its traceback)."""
    from sqlalchemy.exc import OperationalError

    from assistant.db.anchor import AnchorError
    from assistant.private_files import describe_os_error
    from index.types import IndexMismatchError
    from ingest.journal import IngestBusyError

    if isinstance(exc, (IngestBusyError, AnchorError, IndexMismatchError)):
        return str(exc)
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, OperationalError):
        text = str(exc.orig)
        for needle, what in (("readonly", "the database is read-only: use a writable --data-dir"),
                             ("disk is full", "disk full while writing the database: free some space and run "
                                              "the command again"),
                             ("unable to open", "cannot open the database: check that the data dir exists "
                                                "and is writable")):
            if needle in text:
                return f"{what} ({text})"
    return user_error(exc.__cause__) if exc.__cause__ is not None else None


app = _App(
    help="maintassist: cited answers from your manuals, work orders and sensor data.",
    no_args_is_help=True,
    add_completion=False,
)

COMMAND_MODULES = ("ingest", "search", "ask", "procedure", "status", "eval", "serve", "users", "audit", "finetune", "doctor")


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"assistant.cli.commands.{name}")
        except ModuleNotFoundError as exc:
            # Only tolerate a command module that is absent, never a broken import inside one.
            if exc.name == f"assistant.cli.commands.{name}":
                continue
            raise
        module.register(app)


os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_register_all()

"""The ``maintassist`` command line: the Typer app in ``main``, one module per command in ``commands``.

``from assistant.cli import app`` still works; the app (which loads every command) is imported on
first use, so a command module importing ``assistant.cli.options`` never loads the others.
"""

from __future__ import annotations


def __getattr__(name: str):
    if name == "app":
        from assistant.cli.main import app

        return app
    raise AttributeError(f"module 'assistant.cli' has no attribute {name!r}")

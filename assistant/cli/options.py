"""Options every command shares (each command module imports them from here)."""

from __future__ import annotations

import typer

DataDirOption = typer.Option(
    None, "--data-dir", envvar="MAINTASSIST_DATA_DIR",
    help="Folder holding index, database and model cache (default ./.maintassist).",
)

"""The ``maintassist`` command line. Each command lives in ``assistant/commands/<name>.py``."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import typer

app = typer.Typer(
    help="maintassist: cited answers from your manuals, work orders and sensor data.",
    no_args_is_help=True,
    add_completion=False,
)

DataDirOption = typer.Option(
    None, "--data-dir", envvar="MAINTASSIST_DATA_DIR",
    help="Folder holding index, database and model cache (default ./.maintassist).",
)

COMMAND_MODULES = ("ingest", "search", "ask", "procedure", "status", "eval", "serve", "users", "audit", "finetune", "doctor")


def container_from(data_dir: Path | None, **ingest_overrides: object):
    """Build the wiring Container from settings; ``--data-dir`` and command options take precedence."""
    from assistant.config import load_settings
    from assistant.container import Container

    settings = load_settings(**({"data_dir": data_dir} if data_dir is not None else {}))
    values = {k: v for k, v in ingest_overrides.items() if v is not None}
    if values:
        settings = settings.model_copy(update={"ingest": settings.ingest.model_copy(update=values)})
    return Container(settings)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"assistant.commands.{name}")
        except ModuleNotFoundError as exc:
            # Only tolerate a command module that is absent, never a broken import inside one.
            if exc.name == f"assistant.commands.{name}":
                continue
            raise
        module.register(app)


os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_register_all()

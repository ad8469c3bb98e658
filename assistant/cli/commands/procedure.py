"""``maintassist procedure --asset A --symptom "..."``: a cited repair procedure."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def procedure(
        symptom: str = typer.Option(..., "--symptom", help="What the technician observes."),
        asset: str = typer.Option(None, "--asset", help="Asset id or alias (e.g. PRESS-04, 'press 4')."),
        as_json: bool = typer.Option(False, "--json", help="Print the validated structure as JSON."),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Build a repair procedure: safety first, tools and parts, cited steps, verification."""
        container = container_from(data_dir)
        if asset:
            resolved = container.registry.resolve(asset)
            asset = resolved[0] if len(resolved) == 1 else asset
        proc = container.procedures.build(asset, symptom)
        if as_json:
            print(proc.model_dump_json(indent=2))
            return
        Console().print(Markdown(proc.to_markdown()))

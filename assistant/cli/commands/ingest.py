"""``maintassist ingest PATH...``: add, update or delete sources in the index."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def ingest(
        paths: list[Path] = typer.Argument(None, help="Files or folders to ingest (recursively)."),
        delete: list[Path] = typer.Option(None, "--delete", help="Remove this source from the index."),
        assets: Path = typer.Option(None, "--assets", help="Asset registry CSV/YAML (id, name, model, line, aliases)."),
        limits: Path = typer.Option(None, "--limits", help="Sensor alarm limits YAML/CSV (asset, signal, low, high)."),
        mapping: Path = typer.Option(None, "--mapping", help="YAML mapping of work-order fields to column names."),
        reembed: bool = typer.Option(
            False, "--reembed", help="Without PATHs: only re-embed the stored chunks if the index was built "
            "with another embedder (every ingest does this first, under the ingest lock)."),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Ingest manuals (PDF, Markdown, HTML, AsciiDoc, reST, text), work orders (CSV, JSON) and sensor data."""
        console = Console()
        paths, delete = list(paths or []), list(delete or [])
        if not paths and not delete and not reembed:
            raise typer.BadParameter("give at least one PATH, --delete PATH or --reembed")
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise typer.BadParameter(f"not found: {', '.join(map(str, missing))}")
        for option in (assets, limits, mapping):
            if option is not None and not option.exists():
                raise typer.BadParameter(f"not found: {option}")
        container = container_from(data_dir, reembed_index=True, asset_registry_file=assets,
                                   sensor_limits_file=limits, column_mapping_file=mapping)
        # With --reembed alone the run has no files: it only brings the index to the configured embedder.
        report = container.ingest_pipeline.run(paths, delete=delete)
        for message in report.messages:
            console.print(f"  {message}", highlight=False)
        console.print(
            f"[bold]ingested {report.ingested}[/], skipped unchanged {report.skipped_unchanged}, "
            f"failed {report.failed}, deleted {report.deleted}; {report.chunks_added} chunks added. "
            f"Index: {container.settings.index_dir}"
        )
        console.print(report.times.line(), highlight=False, soft_wrap=True)

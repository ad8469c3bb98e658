"""``maintassist status``: what is indexed where."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def status(data_dir: Path = DataDirOption) -> None:
        """Show the data dir, the index manifest and chunk counts per type and source."""
        container = container_from(data_dir)
        console = Console()
        store = container.store
        chunks = store.chunks()
        manifest = store.manifest or {}
        console.print(f"data dir: {container.settings.data_dir.resolve()}")
        console.print(f"embedder: {manifest.get('embedding_model_id', '-')} (dim {manifest.get('embedding_dim', '-')})")
        console.print(f"index kind: {manifest.get('index_kind', '-')}; chunks: {len(chunks)}; "
                      f"sources: {len(store.source_hashes())}")
        for doc_type, n in sorted(Counter(c.doc_type for c in chunks).items()):
            console.print(f"  {doc_type:<11} {n:>7} chunks")
        assets = container.registry.all()
        console.print(f"assets known: {len(assets)}")

"""``maintassist search "query"``: ranked sources with scores, no LLM."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def search(
        query: str = typer.Argument(..., help="What to look for."),
        asset: str = typer.Option(None, "--asset", help="Only this asset's sources (fails closed)."),
        doc_type: str = typer.Option(None, "--type", help="manual | work_order | sensor | record"),
        k: int = typer.Option(5, "-k", help="How many results."),
        mode: str = typer.Option("hybrid", "--mode", help="hybrid | dense | bm25"),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Search the index and print ranked sources."""
        from index.types import Filters

        container = container_from(data_dir)
        filters = Filters(asset=asset, doc_types=(doc_type,) if doc_type else None)
        retriever = container.retriever
        fn = {"hybrid": retriever.retrieve, "dense": retriever.dense, "bm25": retriever.keyword}[mode]
        hits = fn(query, k, filters if filters.active else None)
        console = Console()
        if not hits:
            console.print("No matching sources" + (" (the filter matched nothing)" if filters.active else "") + ".")
            raise typer.Exit(0)
        table = Table("#", "score", "source", "type", "asset", "excerpt", show_lines=True)
        for n, h in enumerate(hits, start=1):
            excerpt = " ".join(h.chunk.text.split())[:220]
            table.add_row(str(n), f"{h.score:.4f}", h.chunk.citation_label(), h.chunk.doc_type,
                          h.chunk.asset or "", excerpt)
        console.print(table)

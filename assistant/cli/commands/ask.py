"""``maintassist ask "question"``: streamed, checked answer with numbered sources."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def ask(
        question: str = typer.Argument(..., help="The question, as a technician would ask it."),
        asset: str = typer.Option(None, "--asset", help="Asset the question is about (e.g. PRESS-04)."),
        as_json: bool = typer.Option(False, "--json", help="Print the whole Answer record as JSON."),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Answer a question from the indexed documents, citing its sources."""
        console = Console(highlight=False)
        container = container_from(data_dir)
        streamed: list[str] = []

        def show_sources(citations) -> None:
            if not as_json:
                console.print(f"[dim]{len(citations)} sources found; answering…[/]")

        def show_token(piece: str) -> None:
            streamed.append(piece)
            if not as_json:
                console.print(piece, end="", markup=False)

        answer = container.chain.answer(question, asset=asset, on_sources=show_sources, on_token=show_token)
        if as_json:
            print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
            return
        console.print()
        if "".join(streamed).strip() != answer.text.strip():
            console.print("\n[bold]Checked answer:[/]")
            console.print(answer.text, markup=False)
        console.print("\n[bold]Sources[/]")
        for c in answer.citations:
            mark = "*" if c.cited else " "
            console.print(f" {mark}[{c.n}] {c.label}", markup=False)
        for flag in answer.flags:
            console.print(f"[yellow]flag[/] {flag.kind}: {flag.detail}")
        t = answer.timings
        console.print(f"[dim]sources {t.get('sources_s', 0):.2f}s · first token {t.get('first_token_s', 0):.2f}s · "
                      f"total {t.get('total_s', 0):.2f}s · route {answer.route}[/]")

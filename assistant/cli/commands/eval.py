"""``maintassist eval``: run a QA file through the chain and report retrieval, grounding,
abstention and latency. It reports and exits 0; only an invalid QA file or a missing
index exits 2 (with the file and line that is wrong)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer


def parse_ks(text: str) -> list[int]:
    """``"1,5,10"`` → ``[1, 5, 10]``; raises ``typer.BadParameter`` on anything else."""
    try:
        ks = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise typer.BadParameter(f"--k must be comma-separated integers such as 1,5,10, got {text!r}") from None
    if not ks or ks[0] < 1:
        raise typer.BadParameter(f"--k values must be positive integers, got {text!r}")
    return ks


def _is_index(path: Path) -> bool:
    # IndexStore keeps versions under index/v-N with a CURRENT pointer.
    return (path / "CURRENT").is_file() or (path / "manifest.json").is_file()


def resolve_data_dir(index: Path | None, data_dir: Path | None) -> Path | None:
    """``--index`` names an index folder (``CURRENT`` + versions) or a data dir holding ``index/``.

    The store always lives at ``<data dir>/index``, so an index folder means its parent.
    """
    if index is None:
        return data_dir
    index = index.expanduser().resolve()
    if _is_index(index):
        resolved = index.parent
    elif _is_index(index / "index"):
        resolved = index
    else:
        raise FileNotFoundError(f"--index {index}: no index here; run maintassist ingest first")
    if data_dir is not None and data_dir.expanduser().resolve() != resolved:
        raise ValueError(f"--index {index} belongs to data dir {resolved}, but --data-dir is {data_dir}")
    return resolved


def manifest_summary(manifest: Any) -> dict[str, Any]:
    """Scalar fields of the index manifest (counts, model ids, version), not per-file lists."""
    if not isinstance(manifest, dict):
        return {}
    return {k: v for k, v in manifest.items() if isinstance(v, (str, int, float, bool)) or v is None}


def run_eval(container: Any, qa_path: Path, *, retrieval_only: bool, retrieval_mode: str, ks: list[int],
             limit: int | None = None, console: Any = None, show_progress: bool = True) -> dict[str, Any]:
    """Load, run and aggregate; shared by the CLI and ``benchmarks/bench_eval.py``."""
    from rich.console import Console
    from rich.progress import Progress

    from assistant.evaluation import EvalRunner, build_report, load_qa

    items = load_qa(qa_path)
    if limit is not None:
        items = items[:limit]
    store = getattr(container, "store", None)
    chunk_text = None
    if not retrieval_only and store is not None:
        texts: dict[str, str] | None = None

        def chunk_text(chunk_id: str) -> str | None:  # built once, on the first citation graded
            nonlocal texts
            if texts is None:
                texts = {c.chunk_id: c.text for c in store.chunks()}
            return texts.get(chunk_id)

    retriever = container.retriever if retrieval_mode != "hybrid" else None
    console = console or Console(stderr=True)
    # A progress bar piped into a log file only leaves blank lines behind.
    with Progress(console=console, transient=True, disable=not (show_progress and console.is_terminal)) as progress:
        task = progress.add_task(f"eval ({'retrieval-only' if retrieval_only else 'full'})", total=len(items))
        # Raw retrieval modes never touch the chain, so they never build the LLM backend.
        needs_chain = retrieval_mode == "hybrid" or not retrieval_only
        runner = EvalRunner(container.chain if needs_chain else None, ks=ks, retrieval_only=retrieval_only,
                            retrieval_mode=retrieval_mode, retriever=retriever, chunk_text=chunk_text,
                            progress=lambda i, n, r: progress.update(task, completed=i))
        results = runner.run(items)
    warnings = []
    manifest = getattr(store, "manifest", None) if store is not None else None
    if isinstance(manifest, dict) and str(Path(qa_path).resolve()) in (manifest.get("source_hashes") or {}):
        # The expected answers are then evidence themselves; every figure is inflated.
        warnings.append(f"the QA file {qa_path} is itself in the index; re-ingest without it")
        console.print(f"warning: {warnings[-1]}", style="yellow", markup=False, highlight=False, soft_wrap=True)
    answered = next((r for r in results if r.model_id), None)
    config = {
        "qa_file": str(qa_path),
        "retrieval_mode": retrieval_mode,
        "limit": limit,
        "model_id": answered.model_id if answered else None,
        "adapter_id": answered.adapter_id if answered else None,
        "index": manifest_summary(manifest),
        "warnings": warnings,
    }
    return build_report(results, ks=ks, mode="retrieval-only" if retrieval_only else "full", config=config)


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        qa: Path = typer.Option(..., "--qa", help="QA file (JSON Lines, one question per line)."),
        index: Optional[Path] = typer.Option(None, "--index", help="Index folder (or data dir holding index/)."),
        data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Data dir (index, database, models)."),
        retrieval_only: bool = typer.Option(False, "--retrieval-only", help="Grade retrieval only; no LLM."),
        retrieval_mode: str = typer.Option(
            "hybrid", "--retrieval-mode",
            help="Ranking graded for recall/MRR: hybrid (the chat's path), dense, bm25, hybrid-raw."),
        k: str = typer.Option("1,5,10", "--k", help="Cut-offs for recall@k, comma-separated."),
        out: Optional[Path] = typer.Option(None, "--out", help="Write the JSON report here."),
        limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N questions."),
    ) -> None:
        """Measure retrieval, grounding, abstention and latency on a QA file."""
        from rich.console import Console

        from assistant.wiring import container_from
        from assistant.evaluation import QAFormatError, load_qa, render_table, write_report
        from assistant.evaluation.runner import RETRIEVAL_MODES

        console = Console(stderr=True)
        ks = parse_ks(k)
        if retrieval_mode not in RETRIEVAL_MODES:
            raise typer.BadParameter(f"--retrieval-mode must be one of {', '.join(RETRIEVAL_MODES)}")
        try:
            load_qa(qa)  # validate before loading any model: a typo should cost a second, not a minute
            resolved = resolve_data_dir(index, data_dir)
        except (QAFormatError, FileNotFoundError, ValueError) as exc:
            console.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        container = container_from(resolved)
        chunk_count = manifest_summary(container.store.manifest).get("chunk_count")
        if chunk_count == 0:
            # Every figure would be 0 for a reason that has nothing to do with quality.
            console.print(f"the index in {container.settings.index_dir} is empty; run maintassist ingest first",
                          style="red", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        report = run_eval(container, qa, retrieval_only=retrieval_only, retrieval_mode=retrieval_mode,
                          ks=ks, limit=limit, console=console)
        render_table(report, Console())
        if out is not None:
            write_report(report, out)
            console.print(f"report written to {out}")

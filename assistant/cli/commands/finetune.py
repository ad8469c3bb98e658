"""``maintassist finetune``: dataset from the index -> LoRA training -> GGUF adapter -> optional before/after."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from assistant.config import LLMSettings


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def finetune(
        config: Path = typer.Option(None, "--config", help="YAML/JSON file with lora/train/data sections."),
        device: str = typer.Option(None, "--device", help="auto | cpu | cuda (auto uses a GPU when present)."),
        max_steps: int = typer.Option(None, "--max-steps", help="Optimizer steps (bounds the run time)."),
        base_model: str = typer.Option(None, "--base-model", help="qwen2.5-0.5b | smollm2-135m."),
        seed: int = typer.Option(None, "--seed", help="Seed for data order, splits and LoRA init."),
        examples: Path = typer.Option(None, "--examples", help="Curated examples JSONL {question, sources, answer}."),
        use_feedback: bool = typer.Option(False, "--use-feedback/--no-feedback",
                                          help="Also train on thumbs-up answers from the audit database."),
        out: Path = typer.Option(None, "--out", help="Adapter folder (default <data-dir>/adapters/<model>-<date>)."),
        evaluate: int = typer.Option(0, "--evaluate", help="Compare base vs adapter on N held-out test examples."),
        dataset_only: bool = typer.Option(False, "--dataset-only", help="Write the dataset and stop."),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Fine-tune the local LLM on the indexed documents (LoRA) and convert the adapter for llama.cpp."""
        from datetime import datetime, timezone

        from assistant.models import file_sha256, llm_gguf_path
        from finetune.config import load_args
        from finetune.dataset import DatasetBuilder, load_curated, write_dataset

        console = Console(highlight=False)
        try:
            lora, args, data_cfg = load_args(config, {"train": {"device": device, "max_steps": max_steps,
                                                                "base_model": base_model, "seed": seed},
                                                      "data": {"seed": seed}})
        except (ValueError, FileNotFoundError) as exc:
            raise typer.BadParameter(str(exc)) from exc
        container = container_from(data_dir)
        settings = container.settings
        out = out or settings.data_dir / "adapters" / (
            f"{args.base_model}-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}")

        # 1. Dataset: templated examples from the index, plus curated and (opt-in) thumbs-up examples.
        chunks = container.store.chunks()
        if not chunks:
            raise typer.BadParameter("the index is empty: run `maintassist ingest` first")
        curated = load_curated(examples) if examples else []
        feedback = []
        if use_feedback:
            from finetune.feedback import feedback_examples

            feedback = feedback_examples(container.session_factory, {c.chunk_id: c for c in chunks})
            console.print(f"thumbs-up answers from the audit database: {len(feedback)}")
        result = DatasetBuilder(data_cfg).build(chunks, curated=curated, feedback=feedback)
        dataset_path, _ = write_dataset(result, out, data_cfg)
        _print_counts(console, result)
        if dataset_only:
            console.print(f"dataset written: {dataset_path}")
            return

        # 2. Train the LoRA adapter on the bundled base model.
        gguf = llm_gguf_path(args.base_model, settings.model_cache_dir)
        train_result = _train(console, out, gguf, file_sha256(gguf, settings.model_cache_dir), result.hash,
                              lora, args)
        m = train_result
        console.print(f"{m.steps} steps in {m.seconds:.0f} s ({m.seconds_per_step:.2f} s/step) on "
                      f"{m.extra['device']}; loss {m.losses[0]:.3f} -> {m.losses[-1]:.3f}; best validation loss "
                      f"{m.best_val if m.best_val is None else round(m.best_val, 3)}"
                      f"{' (stopped early)' if m.stopped_early else ''}")

        # 3. Convert for the default llama.cpp backend.
        from finetune.convert import convert_adapter

        adapter_gguf = convert_adapter(out, out / "adapter.gguf", base_gguf=gguf)
        console.print(f"adapter: {out}\nloss curve: {out / 'loss_curve.png'}\nllama.cpp adapter: {adapter_gguf}\n"
                      f"serve it with: MAINTASSIST_LLM__LORA_ADAPTER={adapter_gguf} "
                      f"MAINTASSIST_LLM__MODEL={args.base_model} maintassist serve")

        # 4. Optional quick before/after on held-out examples (the full check is `maintassist eval`).
        if evaluate:
            _compare(console, gguf, adapter_gguf, out / "dataset.jsonl", evaluate, settings.llm)


def _train(console: Console, out: Path, gguf: Path, sha: str, dataset_hash: str, lora, args):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from finetune.train import TrainInputs, main

    inputs = TrainInputs(examples=out / "dataset.jsonl", out_dir=out, model_dir=gguf.parent, gguf_file=gguf.name,
                         base_model_id=args.base_model, base_sha256=sha, dataset_hash=dataset_hash)
    with Progress(TextColumn("[bold]training[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("loading model", total=None)
        state = {"val": "-"}

        def on_step(step: int, total: int, loss: float, val: float | None) -> None:
            if val is not None:
                state["val"] = f"{val:.3f}"
            progress.update(task, completed=step, total=total, description=f"loss {loss:.3f} · val {state['val']}")

        return main(inputs, lora, args, on_step=on_step)


def _print_counts(console: Console, result) -> None:
    table = Table(title=f"dataset {result.hash[:12]}")
    kinds = sorted({k for c in result.counts().values() for k in c})
    table.add_column("split")
    for k in kinds:
        table.add_column(k, justify="right")
    for split, counts in result.counts().items():
        table.add_row(split, *(str(counts.get(k, 0)) for k in kinds))
    console.print(table)
    if result.rejected:
        console.print("rejected by the mechanical check: " +
                      ", ".join(f"{n} × {why}" for why, n in result.rejected.most_common()))


def _compare(console: Console, gguf: Path, adapter: Path, dataset: Path, n: int, llm: LLMSettings) -> None:
    from assistant.llm.llamacpp import LlamaCppGenerator
    from finetune.dataset import read_dataset
    from finetune.evaluate import comparison_rows, evaluate_generator, held_out

    chosen = held_out(read_dataset(dataset), "test", n)
    values = dict(n_ctx=llm.n_ctx, threads=llm.threads, temperature=llm.temperature, seed=llm.seed,
                  max_tokens=llm.max_tokens, flash_attn=llm.flash_attn)
    before = evaluate_generator(LlamaCppGenerator(gguf, **values), chosen)
    after = evaluate_generator(LlamaCppGenerator(gguf, lora_path=adapter, **values), chosen)
    table = Table(title=f"held-out test split: {before['n_answerable']} answerable, {before['n_decline']} decline")
    for col in ("metric", "base", "base + adapter", "change"):
        table.add_column(col)
    for row in comparison_rows(before, after):
        table.add_row(*row)
    console.print(table)

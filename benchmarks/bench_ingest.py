"""Ingestion throughput of text PDFs end to end, against a naive loop on the same files (issue 15).

Generates a deterministic set of manual-like text PDFs (headings, prose, numbered procedures, a
table-like spec block, part numbers and torque values) with fpdf2, then, in one run:

1. **Naive loop** (what a user could write in 20 lines), in a fresh Python process, model load
   included: pypdf text of each file, LangChain ``RecursiveCharacterTextSplitter(1000, 200)``,
   ``SentenceTransformer(bundled MiniLM).encode``.
2. **maintassist ingest** (the CLI, ``python -c 'from assistant.cli.main import app; app()'``) in a
   fresh process and a fresh data dir whose model cache already holds the ONNX export (the state
   after the first ingest of a data dir; the one-time export is timed apart). Same files.
3. **Pipeline in process**: ``Container(...).ingest_pipeline.run`` with the embedder loaded, the
   figure the >= 20 pages/s target is about; its own report says where the time went.
4. **Embedders alone** on the chunks of step 3: torch / onnx / onnx-int8 passages/s, query
   embedding p50 (one question at a time, as the chat does), cosine to torch.
5. **Re-ingest** of an unchanged ``--reingest-files`` Markdown folder with the CLI (target <= 2 s).

    .venv/bin/python benchmarks/bench_ingest.py                       # 10 PDFs x 20 pages
    .venv/bin/python benchmarks/bench_ingest.py --pdfs 2 --pages 5 --reingest-files 50   # quick check

Prints tables and writes benchmarks/results/ingest.json with the load average before and after
each part (the 2-core dev box is shared: compare ratios measured in the same run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

ROOT = Path(__file__).resolve().parents[1]
TARGET_PAGES_PER_S = 20.0
TARGET_NAIVE_RATIO = 2.0
TARGET_REINGEST_S = 2.0
BACKENDS = ("torch", "onnx", "onnx-int8")

_MACHINES = ["hydraulic press HP-400", "CNC mill VM-5", "screw compressor SC-75", "belt conveyor BC-12",
             "injection moulding machine IM-220", "chiller CH-90"]
_PARTS = ["pump", "relief valve", "filter element", "spindle bearing", "drive belt", "pressure switch",
          "solenoid valve", "coupling", "seal kit", "temperature sensor", "contactor", "gearbox"]
_VERBS = ["Inspect", "Remove", "Clean", "Replace", "Check", "Tighten", "Measure", "Record", "Drain", "Refill"]
_SENTENCES = [
    "Before any work, isolate the {m} from all energy sources and apply a personal lock to the main disconnect.",
    "The {p} is located behind the lower service panel and can be reached without removing the guard rail.",
    "Operating the machine with a worn {p} causes pressure fluctuations and may trigger alarm {a}.",
    "Use only genuine spare parts; the part number P/N {pn} is printed on the {p} housing.",
    "If the fault persists after the {p} has been replaced, contact the service department and quote code {a}.",
    "Tighten the fasteners in a cross pattern to {t} Nm and re-check the torque after the first 8 hours.",
    "Normal operating pressure is {bar} bar; readings below {low} bar indicate internal leakage.",
    "Allow the oil to cool below 40 degrees C before opening the reservoir; hot oil causes severe burns.",
    "Record the date, the running hours and the measured values in the maintenance log of the {m}.",
    "Wear safety glasses and cut-resistant gloves when handling the {p}; edges may be sharp.",
]


def _sentence(rng: random.Random, machine: str) -> str:
    return rng.choice(_SENTENCES).format(
        m=machine, p=rng.choice(_PARTS), a=f"E-{rng.randint(100, 899)}", pn=f"{rng.randint(1000, 9999)}-{rng.randint(10, 99)}",
        t=rng.choice([12, 25, 40, 65, 90, 120]), bar=rng.choice([160, 180, 210]), low=rng.choice([140, 150]))


def make_corpus(folder: Path, pdfs: int, pages: int, seed: int = 7) -> int:
    """Write ``pdfs`` PDFs of ``pages`` pages each (about 350-450 words a page); returns the page count."""
    from fpdf import FPDF

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(pdfs):
        machine = _MACHINES[index % len(_MACHINES)]
        pdf = FPDF(format="A4")
        pdf.set_title(f"{machine} operating and service manual")
        pdf.set_auto_page_break(False)  # exactly one generated page per manual page
        for page in range(1, pages + 1):
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 13)
            pdf.cell(0, 8, f"{page}. {rng.choice(_VERBS)} the {rng.choice(_PARTS)}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(0, 4.5, " ".join(_sentence(rng, machine) for _ in range(6)), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 7, f"{page}.1 Procedure", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=9)
            for step in range(1, rng.randint(6, 9)):
                text = f"{step}. {rng.choice(_VERBS)} the {rng.choice(_PARTS)}. {_sentence(rng, machine)}"
                pdf.multi_cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 7, f"{page}.2 Specifications", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Courier", size=8)
            pdf.cell(0, 4, f"{'Item':<22}{'Part number':<14}{'Torque Nm':<11}{'Interval h':<11}", new_x="LMARGIN", new_y="NEXT")
            for _ in range(6):
                row = (f"{rng.choice(_PARTS):<22}{rng.randint(1000, 9999)}-{rng.randint(10, 99):<9}"
                       f"{rng.choice([12, 25, 40, 65, 90]):<11}{rng.choice([250, 500, 1000, 2000]):<11}")
                pdf.cell(0, 4, row, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(0, 4.5, " ".join(_sentence(rng, machine) for _ in range(5)), new_x="LMARGIN", new_y="NEXT")
        pdf.output(str(folder / f"manual_{index:02d}_{machine.split()[-1].lower()}.pdf"))
    return pdfs * pages


NAIVE = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from langchain_text_splitters import RecursiveCharacterTextSplitter
from pypdf import PdfReader
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[2], device="cpu")
loaded = time.perf_counter()
splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
chunks = []
for path in sorted(Path(sys.argv[1]).glob("*.pdf")):
    text = "\\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    chunks.extend(splitter.split_text(text))
vectors = model.encode(chunks, normalize_embeddings=True)
print(json.dumps({"chunks": len(chunks), "import_and_load_s": loaded - t0, "total_s": time.perf_counter() - t0}))
"""


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def _timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=_env(), cwd=ROOT, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:4]}... failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return wall, done.stdout


def naive_loop(pdf_dir: Path) -> dict:
    from assistant.models import embedding_model_dir

    wall, out = _timed([sys.executable, "-c", NAIVE, str(pdf_dir), str(embedding_model_dir())])
    return {"wall_s": wall, **json.loads(out.strip().splitlines()[-1])}


def warm_model_cache(folder: Path) -> dict:
    """Export the default backend's model once into ``folder/models``; later data dirs copy it."""
    from assistant.config import Settings
    from assistant.wiring import Container

    t0 = time.perf_counter()
    container = Container(Settings(data_dir=folder))
    container.embedder.embed_batch(["warm up"])
    return {"backend": container.settings.embedding.backend, "first_start_with_export_s": time.perf_counter() - t0}


def cli_ingest(paths: list[Path], data_dir: Path, model_cache: Path | None) -> dict:
    if model_cache is not None and not (data_dir / "models").exists():
        shutil.copytree(model_cache / "models", data_dir / "models")
    cmd = [sys.executable, "-c", "from assistant.cli.main import app; app()", "ingest", *map(str, paths),
           "--data-dir", str(data_dir)]
    wall, out = _timed(cmd)
    lines = out.splitlines()
    return {"wall_s": wall, "summary": next((l for l in lines if re.match(r"ingested \d+", l)), ""),
            "time_line": next((l for l in lines if l.startswith("time:")), "")}


def pipeline_in_process(pdf_dir: Path, pages: int, model_cache: Path) -> tuple[dict, list[str]]:
    from assistant.config import Settings
    from assistant.wiring import Container

    with tempfile.TemporaryDirectory(prefix="bench-ingest-data-") as data_dir:
        shutil.copytree(model_cache / "models", Path(data_dir) / "models")
        container = Container(Settings(data_dir=Path(data_dir)))
        t0 = time.perf_counter()
        pipeline = container.ingest_pipeline  # opens the store
        container.work_orders.delete_source("/nothing")  # opens the SQLite database (migrations), as a long-lived process has
        container.embedder.embed_batch(["warm up"])  # loads the model once, as a long-lived process would
        setup_s = time.perf_counter() - t0
        load0, cpu0, t0 = os.getloadavg()[0], time.process_time(), time.perf_counter()
        report = pipeline.run([pdf_dir])
        run_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
        if report.failed or report.ingested == 0:
            raise RuntimeError(f"ingest did not take the corpus: {report.summary()}\n" + "\n".join(report.messages))
        texts = [c.text for c in container.store.chunks()]
        t = report.times
        return {
            "backend": container.settings.embedding.backend, "run_s": run_s, "cpu_s": cpu_s,
            "load_avg_1m": [load0, os.getloadavg()[0]], "setup_s": setup_s, "chunks": report.chunks_added,
            "pages_per_s": pages / run_s, "chunks_per_s": report.chunks_added / run_s,
            "stages_s": {"parse": t.parse, "chunk": t.chunk, "embed": t.embed, "index write": t.index_write},
            "time_line": t.line(), "summary": report.summary(),
        }, texts


def embedders_alone(texts: list[str], questions: list[str], cache: Path) -> dict:
    import numpy as np

    from assistant.config import Settings
    from assistant.wiring import Container

    out, reference = {}, None
    for backend in BACKENDS:
        t0 = time.perf_counter()
        embedder = Container(Settings(data_dir=cache, embedding={"backend": backend})).embedder
        embedder.embed_batch(["warm up"])
        embedder.embed_batch(["warm up"], query=True)
        load_s = time.perf_counter() - t0
        load0, t0 = os.getloadavg()[0], time.perf_counter()
        vectors = embedder.embed_batch(texts)
        passages_s = time.perf_counter() - t0
        latencies = []
        for question in questions:
            q0 = time.perf_counter()
            embedder.embed_batch([question], query=True)
            latencies.append(time.perf_counter() - q0)
        reference = vectors if reference is None else reference
        cosines = np.sum(vectors * reference, axis=1)
        out[backend] = {"model_id": embedder.model_id, "load_s": load_s, "passages_per_s": len(texts) / passages_s,
                        "query_p50_ms": 1000 * statistics.median(latencies),
                        "query_p95_ms": 1000 * sorted(latencies)[int(0.95 * (len(latencies) - 1))],
                        "cosine_to_torch_min": float(cosines.min()), "cosine_to_torch_mean": float(cosines.mean()),
                        "load_avg_1m": [load0, os.getloadavg()[0]]}
    return out


def make_markdown_folder(folder: Path, files: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(files):
        machine = _MACHINES[i % len(_MACHINES)]
        body = "\n\n".join(f"## {rng.choice(_VERBS)} the {rng.choice(_PARTS)}\n\n" + " ".join(
            _sentence(rng, machine) for _ in range(3)) for _ in range(2))
        (folder / f"note_{i:04d}.md").write_text(f"# {machine} service note {i}\n\n{body}\n", encoding="utf-8")


def reingest(files: int, model_cache: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-reingest-") as tmp:
        folder, data_dir = Path(tmp) / "notes", Path(tmp) / "data"
        make_markdown_folder(folder, files)
        first = cli_ingest([folder], data_dir, model_cache)
        runs = [cli_ingest([folder], data_dir, None) for _ in range(3)]
        return {"files": files, "first": first, "unchanged_runs_s": [r["wall_s"] for r in runs],
                "unchanged_summary": runs[-1]["summary"], "unchanged_time_line": runs[-1]["time_line"]}


def _questions() -> list[str]:
    lines = (ROOT / "data" / "sample" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdfs", type=int, default=10)
    parser.add_argument("--pages", type=int, default=20, help="pages per PDF")
    parser.add_argument("--runs", type=int, default=2, help="runs of the naive loop, the CLI and the pipeline")
    parser.add_argument("--reingest-files", type=int, default=1000, help="Markdown files for the re-ingest check (0: skip)")
    parser.add_argument("--no-embedders", action="store_true", help="skip the per-backend embedder comparison")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ingest.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)  # keep the tables on one line per row in logs, too
    result: dict = {"pdfs": args.pdfs, "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "machine": platform.platform(), "load_avg_before": os.getloadavg(),
                    "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        tmp = Path(tmp)
        pdf_dir, cache = tmp / "manuals", tmp / "model-cache"
        t0 = time.perf_counter()
        pages = result["pages"] = make_corpus(pdf_dir, args.pdfs, args.pages)
        console.print(f"generated {pages} pages in {args.pdfs} PDFs in {time.perf_counter() - t0:.1f} s; "
                      f"load average {os.getloadavg()[0]:.1f}")
        result["export"] = warm_model_cache(cache)
        console.print(f"first start of a data dir ({result['export']['backend']}, ONNX export included): "
                      f"{result['export']['first_start_with_export_s']:.1f} s")
        naive, cli, inproc = [], [], []
        for run in range(args.runs):  # interleaved, so both see the same load
            naive.append(naive_loop(pdf_dir))
            cli.append(cli_ingest([pdf_dir], tmp / f"cli-data-{run}", cache))
            stats, texts = pipeline_in_process(pdf_dir, pages, cache)
            inproc.append(stats)
            console.print(f"run {run + 1}: naive {naive[-1]['wall_s']:.1f} s, maintassist ingest {cli[-1]['wall_s']:.1f} s, "
                          f"pipeline {stats['run_s']:.1f} s; load {os.getloadavg()[0]:.1f}")
        result.update(naive_loop=naive, cli=cli, pipeline=inproc)
        if not args.no_embedders:
            result["embedders"] = embedders_alone(texts, _questions(), cache)
        if args.reingest_files:
            result["reingest"] = reingest(args.reingest_files, cache)
    result["load_avg_after"] = os.getloadavg()

    best_naive, best_cli = min(r["wall_s"] for r in naive), min(r["wall_s"] for r in cli)
    best = min(inproc, key=lambda r: r["run_s"])
    table = Table(title=f"Ingest {pages} text-PDF pages ({args.pdfs} files), best of {args.runs}; "
                        f"load avg {result['load_avg_before'][0]:.1f} -> {result['load_avg_after'][0]:.1f}")
    for col in ("what", "wall s", "pages/s", "chunks", "runs s"):
        table.add_column(col, justify="left" if col == "what" else "right")
    table.add_row("naive loop (splitter 1000/200 + sentence-transformers, load incl.)", f"{best_naive:.1f}",
                  f"{pages / best_naive:.1f}", str(naive[0]["chunks"]), ", ".join(f"{r['wall_s']:.1f}" for r in naive))
    table.add_row("maintassist ingest (CLI, new process, export cached)", f"{best_cli:.1f}", f"{pages / best_cli:.1f}",
                  str(best["chunks"]), ", ".join(f"{r['wall_s']:.1f}" for r in cli))
    table.add_row(f"pipeline.run, model loaded ({best['backend']})", f"{best['run_s']:.1f}", f"{best['pages_per_s']:.1f}",
                  str(best["chunks"]), ", ".join(f"{r['run_s']:.1f}" for r in inproc))
    console.print(table)
    console.print(f"pipeline {best['time_line']}")
    ratio = result["naive_over_cli"] = best_naive / best_cli
    verdicts = {
        f"pages/s >= {TARGET_PAGES_PER_S:g} (pipeline)": best["pages_per_s"] >= TARGET_PAGES_PER_S,
        f"naive / maintassist >= {TARGET_NAIVE_RATIO:g} (CLI, {ratio:.2f}x)": ratio >= TARGET_NAIVE_RATIO,
    }
    if "embedders" in result:
        emb = Table(title=f"Embedders alone on the {best['chunks']} chunks above; queries: {len(_questions())} sample questions")
        for col in ("backend", "load s", "passages/s", "query p50 ms", "query p95 ms", "cos to torch min / mean"):
            emb.add_column(col, justify="left" if col == "backend" else "right")
        for backend, r in result["embedders"].items():
            emb.add_row(backend, f"{r['load_s']:.1f}", f"{r['passages_per_s']:.1f}", f"{r['query_p50_ms']:.1f}",
                        f"{r['query_p95_ms']:.1f}", f"{r['cosine_to_torch_min']:.4f} / {r['cosine_to_torch_mean']:.4f}")
        console.print(emb)
    if "reingest" in result:
        r = result["reingest"]
        console.print(f"re-ingest of {r['files']} unchanged Markdown files (CLI, new process): "
                      f"{', '.join(f'{s:.2f}' for s in r['unchanged_runs_s'])} s; first ingest {r['first']['wall_s']:.1f} s "
                      f"({r['first']['summary']})")
        verdicts[f"unchanged re-ingest <= {TARGET_REINGEST_S:g} s"] = min(r["unchanged_runs_s"]) <= TARGET_REINGEST_S
    for name, met in verdicts.items():
        console.print(f"target {name}: {'met' if met else 'MISSED'}")
    result["targets"] = verdicts
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

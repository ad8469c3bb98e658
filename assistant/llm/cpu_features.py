"""Which x86-64 instruction sets this machine's OS really lets a process use, and the llama.cpp build flags
that follow from them. Standard library only: the installer runs this file before anything is installed
(``python3 assistant/llm/cpu_features.py --cmake-args``), and ``maintassist doctor`` and the tests import it.

Why not ``-march=native`` (llama.cpp's default, GGML_NATIVE): it trusts ``cpuid`` alone. A VM can list AMX
in ``cpuid`` while its kernel never grants AMX tile state to processes; ggml's AMX kernels then fault
(``ldtilecfg``, general protection) at the first answer. So a feature counts only when the CPU lists it in
``/proc/cpuinfo`` (the kernel's view) *and* the kernel enables its register state (XSAVE feature mask from
``arch_prctl(ARCH_GET_XCOMP_SUPP)``). AMX is never compiled in: it speeds up only batched prompt reading of
a few quantisations, and it needs a per-process permission that VMs often refuse.

>>> sorted(build_features({"avx", "avx2", "fma", "f16c", "bmi2", "avx512f"}, xsave_mask=0b11100111))
['avx', 'avx2', 'avx512f', 'bmi2', 'f16c', 'fma', 'sse4_2']
>>> sorted(build_features({"avx", "avx2", "fma", "f16c", "avx512f"}, xsave_mask=0b111))  # no ZMM state
['avx', 'avx2', 'f16c', 'fma', 'sse4_2']
"""

from __future__ import annotations

import ctypes
import hashlib
import platform
import sys
from pathlib import Path

# XSAVE state components (Intel SDM vol. 1, 13.1): the OS must enable these for the registers to work.
XSAVE_YMM = 1 << 2
XSAVE_AVX512 = (1 << 5) | (1 << 6) | (1 << 7)  # opmask, ZMM_Hi256, Hi16_ZMM
XSAVE_TILE = (1 << 17) | (1 << 18)  # XTILECFG, XTILEDATA
_XFEATURE_XTILEDATA = 18
_ARCH_GET_XCOMP_SUPP, _ARCH_REQ_XCOMP_PERM = 0x1021, 0x1023
_SYS_ARCH_PRCTL = 158  # x86-64 syscall number

# /proc/cpuinfo flag -> (ggml CMake option, XSAVE state it needs). Order is the order of the CMake args.
GGML_OPTIONS: dict[str, tuple[str, int]] = {
    "sse4_2": ("GGML_SSE42", 0),
    "avx": ("GGML_AVX", XSAVE_YMM),
    "avx2": ("GGML_AVX2", XSAVE_YMM),
    "fma": ("GGML_FMA", XSAVE_YMM),
    "f16c": ("GGML_F16C", XSAVE_YMM),
    "bmi2": ("GGML_BMI2", 0),
    "avx_vnni": ("GGML_AVX_VNNI", XSAVE_YMM),
    "avx512f": ("GGML_AVX512", XSAVE_AVX512),
    "avx512vbmi": ("GGML_AVX512_VBMI", XSAVE_AVX512),
    "avx512_vnni": ("GGML_AVX512_VNNI", XSAVE_AVX512),
    "avx512_bf16": ("GGML_AVX512_BF16", XSAVE_AVX512),
}
NEVER_BUILT = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")  # see the module docstring
REQUIRED = ("avx2", "fma", "f16c")  # the floor this project supports (Haswell, 2013, and later)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The flags the kernel reports for the first processor (empty off Linux)."""
    try:
        text = cpuinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def _arch_prctl(code: int, arg: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    # Every argument as a 64-bit value: ctypes would pass a bare int as a 32-bit C int and cut a pointer.
    return libc.syscall(ctypes.c_long(_SYS_ARCH_PRCTL), ctypes.c_long(code), ctypes.c_ulong(arg))


def xsave_mask() -> int | None:
    """XSAVE components the kernel supports for user processes, or None where it cannot say (kernel < 5.16)."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None
    mask = ctypes.c_uint64(0)
    if _arch_prctl(_ARCH_GET_XCOMP_SUPP, ctypes.addressof(mask)) != 0:
        return None
    return mask.value


def amx_granted() -> bool:
    """True when the kernel enables AMX tile state and grants it to this process on request.

    Requesting the permission changes only this process's signal-frame size; callers that care run it in a
    child process (``python3 -c 'from ... import amx_granted; print(amx_granted())'``).
    """
    mask = xsave_mask()
    if mask is None or mask & XSAVE_TILE != XSAVE_TILE:
        return False
    return _arch_prctl(_ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA) == 0


def build_features(flags: set[str], xsave_mask: int | None) -> set[str]:
    """The flags of ``GGML_OPTIONS`` that are both listed and backed by enabled register state.

    With no XSAVE mask (older kernels) the kernel's flag list is trusted: kernels clear the AVX flags when
    they do not manage that state, and they predate AMX, which is never built anyway.
    """
    out = set()
    for flag, (_, needs) in GGML_OPTIONS.items():
        if flag in flags and (xsave_mask is None or xsave_mask & needs == needs):
            out.add(flag)
    # SSE4.2 needs no extra state; older kernels list it as sse4_2 and every AVX2 CPU has it.
    if "avx2" in out:
        out.add("sse4_2")
    return out


def detect() -> set[str]:
    """``build_features`` for this machine."""
    return build_features(cpu_flags(), xsave_mask())


def cmake_args(features: set[str]) -> str:
    """CMAKE_ARGS for llama-cpp-python: no native tuning, each instruction set switched on or off explicitly."""
    missing = [f for f in REQUIRED if f not in features]
    if missing:
        raise SystemExit(f"this CPU/OS lacks {', '.join(missing)}; maintassist's llama.cpp build needs "
                         "an x86-64 CPU with AVX2, FMA and F16C (Intel Haswell / AMD Zen or later)")
    args = ["-DGGML_NATIVE=OFF"]
    args += [f"-D{opt}={'ON' if flag in features else 'OFF'}" for flag, (opt, _) in GGML_OPTIONS.items()]
    args += [f"-D{opt}=OFF" for opt in NEVER_BUILT]
    return " ".join(args)


def build_key(features: set[str]) -> str:
    """A short name for a feature set: the wheel cache keeps one build per key, never one per machine."""
    return hashlib.sha256(",".join(sorted(features)).encode()).hexdigest()[:12]


def main(argv: list[str]) -> int:
    if platform.machine() not in ("x86_64", "AMD64"):
        # Other architectures (aarch64) build llama.cpp's portable defaults; nothing to choose here.
        print("" if "--cmake-args" in argv else "native", end="\n")
        return 0
    features = detect()
    if "--cmake-args" in argv:
        print(cmake_args(features))
    elif "--key" in argv:
        print(build_key(features))
    else:
        print(" ".join(sorted(features)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

#!/usr/bin/env bash
# Build llama-cpp-python for the instruction sets this machine's OS really enables, and install it.
#
# Why not pip's default: llama.cpp compiles with -march=native, which trusts cpuid. On a VM whose CPU
# lists AMX but whose kernel does not grant AMX state, that build crashes at the first answer. And pip's
# wheel cache keys on the source only, not on CMAKE_ARGS, so a build made for one CPU can be handed to
# another. Here the flags come from assistant/llm/cpu_features.py (cpuinfo + the kernel's XSAVE mask, AMX
# never), and the wheel is cached under a key of that feature set: same features, same wheel.
#
# Usage: scripts/install_llama.sh [VENV_PYTHON]   (MAINTASSIST_WHEEL_CACHE overrides the cache folder)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"
VERSION=0.3.36
if [ "$(uname -m)" = x86_64 ]; then
  cmake_args="$("$PY" assistant/llm/cpu_features.py --cmake-args)"  # exits with a message without AVX2
  key="x86_64-$("$PY" assistant/llm/cpu_features.py --key)"
else
  cmake_args=""  # llama.cpp's portable defaults for other architectures
  key="$(uname -m)-default"
fi
cache="${MAINTASSIST_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maintassist/wheels}/llama-cpp-python-$VERSION-$key"
marker="$("$PY" -c 'import sys; print(sys.prefix)')/maintassist-llama-build.txt"

if [ -f "$marker" ] && [ "$(head -n1 "$marker")" = "$VERSION-$key" ] && "$PY" -c "import llama_cpp" 2>/dev/null; then
  exit 0  # this venv already holds the build for this feature set
fi
if ! ls "$cache"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "compiling llama-cpp-python $VERSION for: $("$PY" assistant/llm/cpu_features.py 2>/dev/null || uname -m)"
  echo "  (once per feature set, ~4 min on 2 cores; cached in $cache)"
  mkdir -p "$(dirname "$cache")"
  tmp="$(mktemp -d "$cache.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
    "$PY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
    "llama-cpp-python==$VERSION" -w "$tmp"
  rm -rf "$cache"
  mv "$tmp" "$cache"  # a rename: an interrupted build never leaves a half-written cache entry
fi
"$PY" -m pip install -q --no-deps --force-reinstall "$cache"/llama_cpp_python-*.whl
printf '%s\n%s\n' "$VERSION-$key" "$cmake_args" > "$marker"

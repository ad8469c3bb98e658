"""Fixtures for the real-model tests: the bundled GGUFs and a real llama.cpp OpenAI-compatible server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: backends already pass local_files_only
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    # A shared, persistent cache keeps the 490 MB Qwen assembly to once per machine, not once per run.
    return Path(os.environ.get("MAINTASSIST_TEST_MODEL_CACHE", Path.home() / ".cache" / "maintassist-test-models"))


@pytest.fixture(scope="session")
def smollm2_gguf(model_cache) -> Path:
    pytest.importorskip("llama_cpp")
    from assistant.models import llm_gguf_path

    return llm_gguf_path("smollm2-135m", model_cache)


@pytest.fixture(scope="session")
def qwen_gguf(model_cache) -> Path:
    pytest.importorskip("llama_cpp")
    from assistant.models import llm_gguf_path

    return llm_gguf_path("qwen2.5-0.5b", model_cache)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(smollm2_gguf, tmp_path_factory):
    """``python -m llama_cpp.server`` on SmolLM2; yields its base URL and stops it afterwards."""
    for mod in ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings"):
        pytest.importorskip(mod, reason="needs llama-cpp-python[server] extras")
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server did not answer within 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""The default runtime: llama.cpp in a supervised child process (real SmolLM2 / Qwen GGUFs, real server)."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from assistant.llm.base import generate
from assistant.llm.llama_server import LlamaServer, LlamaServerGenerator, ModelStopped
from assistant.types import ChatMessage

pytestmark = [pytest.mark.slow, pytest.mark.llm]

SYSTEM = ChatMessage("system", "Answer only from the numbered sources and cite them as [n].")
GROUNDED = [SYSTEM, ChatMessage("user", (
    "Sources:\n[1] PRESS-04 hydraulic pump: torque the flange bolts to 45 Nm in a star pattern. "
    "Relief valve setting 180 bar.\n[2] Chiller 7: clean the condenser coil every 3 months.\n\n"
    "Question: What torque do the PRESS-04 pump flange bolts need?"))]
LONG = [ChatMessage("user", "Write a long numbered list of 40 maintenance checks for a hydraulic press.")]


@pytest.fixture
def smol_server(smollm2_gguf, tmp_path):
    server = LlamaServer(smollm2_gguf, n_ctx=2048, threads=2, log_path=tmp_path / "logs" / "llm.log", seed=0, flash_attn=False, start_timeout_s=120.0)
    yield server
    server.stop()


class TestSupervisedChild:
    def test_kill_mid_answer_fails_fast_then_restarts(self, smol_server):
        gen = LlamaServerGenerator(smol_server, max_tokens=400, model_id="smol", temperature=0.0, seed=0)
        stream = gen.stream(LONG)
        assert next(stream)  # the answer has started streaming
        victim = smol_server.pid
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(ModelStopped, match="the model stopped; restarting"):
            for _ in stream:
                pass
        assert time.monotonic() - killed < 5
        # The next question waits for the restarted child and is answered by it.
        assert generate(gen, GROUNDED, max_tokens=12).strip()
        assert smol_server.pid not in (None, victim) and smol_server.restarts == 1

    def test_child_is_a_separate_process_with_private_config(self, smol_server, tmp_path, monkeypatch):
        # variables named like the server's own settings are not read by the child ("CACHE" stopped it)
        monkeypatch.setenv("CACHE", str(tmp_path / "some-cache"))
        monkeypatch.setenv("n_gpu_layers", "not a number")
        url = smol_server.url()
        assert url.startswith("http://127.0.0.1:") and smol_server.pid != os.getpid()
        # The config (with the API key) was read and removed; the log stays beside where it was.
        assert not list((tmp_path / "logs").glob(".llama-server.*.json"))
        import httpx

        assert httpx.get(url + "/models", timeout=5).status_code == 401  # no key, no model
        headers = {"Authorization": f"Bearer {smol_server.api_key}"}
        assert httpx.get(url + "/models", headers=headers, timeout=5).status_code == 200

    def test_greedy_stream_is_deterministic_and_grammars_work(self, smol_server):
        gen = LlamaServerGenerator(smol_server, max_tokens=30, model_id="smol", temperature=0.0, seed=0)
        pieces = list(gen.stream(GROUNDED))
        assert len(pieces) > 1 and "".join(pieces) == generate(gen, GROUNDED)
        assert generate(gen, GROUNDED, grammar='root ::= "yes" | "no"') in ("yes", "no")
        schema = {"type": "object", "properties": {"part": {"type": "string", "maxLength": 20}}, "required": ["part"]}
        assert isinstance(json.loads(generate(gen, GROUNDED, grammar=json.dumps(schema)))["part"], str)
        assert 0 < gen.count_tokens("torque the flange bolts") < 10

    def test_stop_ends_the_child(self, smollm2_gguf, tmp_path):
        server = LlamaServer(smollm2_gguf, n_ctx=1024, threads=1, log_path=tmp_path / "llm.log", seed=0, flash_attn=False, start_timeout_s=120.0)
        server.url()
        pid = server.pid
        server.stop()
        assert server.pid is None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        with pytest.raises(ModelStopped, match="shut down"):
            server.url()

    def test_a_model_that_cannot_load_fails_with_the_log(self, tmp_path):
        bad = tmp_path / "broken.gguf"
        bad.write_bytes(b"GGUF" + b"\0" * 64)
        server = LlamaServer(bad, n_ctx=512, threads=1, log_path=tmp_path / "llm.log", start_timeout_s=8, seed=0, flash_attn=False)
        try:
            with pytest.raises(ModelStopped, match="did not start within 8 s.*llm.log"):
                server.url()
        finally:
            server.stop()


def test_construction_checks_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="GGUF model not found"):
        LlamaServer(tmp_path / "missing.gguf", n_ctx=2048, threads=2, seed=0, flash_attn=False, start_timeout_s=120.0)


class TestQwenThroughTheChild:
    def test_same_answer_as_in_process(self, qwen_gguf, tmp_path):
        from assistant.llm.llamacpp import LlamaCppGenerator

        server = LlamaServer(qwen_gguf, n_ctx=2048, threads=2, log_path=tmp_path / "llm.log", seed=0, flash_attn=False, start_timeout_s=120.0)
        try:
            child = generate(LlamaServerGenerator(server, max_tokens=40, temperature=0.0, seed=0), GROUNDED)
        finally:
            server.stop()
        local = generate(LlamaCppGenerator(qwen_gguf, n_ctx=2048, threads=2, max_tokens=40, temperature=0.0, seed=0, flash_attn=False), GROUNDED)
        assert "45" in child and child == local


def test_the_child_drops_variables_named_like_server_settings(monkeypatch):
    from assistant.llm.server_child import drop_settings_env

    monkeypatch.setenv("CACHE", "/tmp/x")
    monkeypatch.setenv("Chat_Format", "llama-2")
    monkeypatch.setenv("MAINTASSIST_KEEP_ME", "1")
    assert sorted(drop_settings_env()) == ["CACHE", "Chat_Format"]
    assert "CACHE" not in os.environ and os.environ["MAINTASSIST_KEEP_ME"] == "1"


class FakeClient:
    """Stands in for the OpenAI client: each call to ``stream`` plays the next script entry, a list of
    pieces to yield and then an optional error."""

    def __init__(self, *scripts):
        self.scripts, self.calls = list(scripts), 0

    def stream(self, messages, **kw):
        pieces, error = self.scripts[self.calls]
        self.calls += 1
        yield from pieces
        if error is not None:
            raise error


def _generator(monkeypatch, client):
    import assistant.llm.llama_server as ls

    monkeypatch.setattr(ls, "_RETRY_PAUSE_S", 0.0)
    gen = LlamaServerGenerator(object(), max_tokens=8, temperature=0.0, seed=0)  # _client is the fake
    monkeypatch.setattr(gen, "_client", lambda: client)
    return gen


def test_a_refused_connection_before_the_first_token_is_tried_once_more(monkeypatch):
    import httpx

    refused = httpx.ConnectError("connection refused")
    client = FakeClient(([], refused), (["45 ", "Nm"], None))
    assert "".join(_generator(monkeypatch, client).stream(GROUNDED)) == "45 Nm" and client.calls == 2
    client = FakeClient(([], refused), ([], refused), (["never"], None))
    with pytest.raises(ModelStopped):
        list(_generator(monkeypatch, client).stream(GROUNDED))
    assert client.calls == 2  # once more, not forever
    client = FakeClient(([], httpx.ReadTimeout("no first token")), (["late"], None))
    with pytest.raises(ModelStopped):
        list(_generator(monkeypatch, client).stream(GROUNDED))
    assert client.calls == 1  # a timeout has made the reader wait long enough


def test_a_connection_lost_mid_answer_is_not_retried(monkeypatch):
    import httpx

    client = FakeClient((["45 "], httpx.RemoteProtocolError("peer closed")), (["again"], None))
    with pytest.raises(ModelStopped):
        list(_generator(monkeypatch, client).stream(GROUNDED))
    assert client.calls == 1  # half an answer is not restarted behind the reader's back

"""llama.cpp in a supervised child process, spoken to through the OpenAI-compatible API.

Why a child: a fault inside llama.cpp (a bad build, an out-of-memory kill, a kernel that refuses an
instruction set) then ends that process only. The chat server stays up, the technician whose answer was
cut gets "the model stopped; restarting", and the supervisor thread starts a fresh child at once. The
same client path (``OpenAICompatGenerator``) serves the embedded default and a remote vLLM / llama.cpp
server, so grammars, LoRA (loaded by the child) and streaming behave the same everywhere.

    server = LlamaServer(Path("qwen.gguf"), threads=2, log_path=Path("llm.log"))
    gen = LlamaServerGenerator(server, model_id="qwen@1d961463")
    "".join(gen.stream([ChatMessage("user", "Hi")]))
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Iterator, Sequence

from assistant.llm.openai_compat import OpenAICompatGenerator
from assistant.types import ChatMessage

log = logging.getLogger(__name__)
ALIAS = "local"  # the one model the child serves


class ModelStopped(RuntimeError):
    """The model process died or stopped answering; it is being restarted."""


class LlamaServer:
    """Starts ``python -m assistant.llm.server_child`` (llama_cpp.server) on a loopback port and keeps it up.

    A daemon thread owns the child: it spawns it on first use, waits until it answers, and respawns it
    whenever it exits (with a growing pause when it keeps dying at start-up). The child dies with this
    process (PR_SET_PDEATHSIG, set by the child itself) and is stopped at interpreter exit.
    """

    def __init__(self, model_path: Path, *, n_ctx: int, threads: int, seed: int, flash_attn: bool,
                 start_timeout_s: float, lora_path: Path | None = None, log_path: Path | None = None) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"GGUF model not found: {self.model_path}")
        self.lora_path = Path(lora_path) if lora_path else None
        if self.lora_path is not None and not self.lora_path.is_file():
            raise FileNotFoundError(f"LoRA adapter (GGUF) not found: {self.lora_path}")
        if n_ctx < 256 or threads < 1 or start_timeout_s <= 0:
            raise ValueError("need n_ctx >= 256, threads >= 1 and start_timeout_s > 0")
        self.n_ctx, self.threads, self.seed, self.flash_attn = n_ctx, threads, seed, flash_attn
        self.log_path = Path(log_path) if log_path else None
        self.start_timeout_s = start_timeout_s
        self.api_key = secrets.token_urlsafe(24)  # only this process and its child know it
        self.restarts = 0
        self._cond = threading.Condition()
        self._proc: subprocess.Popen | None = None
        self._port: int | None = None
        self._ready = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    # ---- the caller's side ------------------------------------------------------------------------
    def url(self, timeout_s: float | None = None) -> str:
        """Base URL (``http://127.0.0.1:PORT/v1``) of a live, ready child; starts or awaits one as needed."""
        deadline = time.monotonic() + (timeout_s or self.start_timeout_s)
        with self._cond:
            if self._stopping:
                raise ModelStopped("the model server is shut down")
            if self._thread is None:
                self._thread = threading.Thread(target=self._supervise, name="llama-supervisor", daemon=True)
                self._thread.start()
                atexit.register(self.stop)
            while not (self._ready and self._proc is not None and _running(self._proc)):
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    raise ModelStopped(f"the model did not start within {timeout_s or self.start_timeout_s:.0f} s"
                                       f"{self._log_hint()}")
                self._cond.wait(min(left, 0.5))
            return f"http://127.0.0.1:{self._port}/v1"

    @property
    def pid(self) -> int | None:
        with self._cond:
            return self._proc.pid if self._proc is not None and _running(self._proc) else None

    def alive(self) -> bool:
        return self.pid is not None

    def stop(self) -> None:
        """Stop the child for good (interpreter exit, tests)."""
        with self._cond:
            self._stopping = True
            proc = self._proc
            self._cond.notify_all()
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # ---- the supervisor thread --------------------------------------------------------------------
    def _supervise(self) -> None:
        pause = 1.0
        while not self._stopping:
            started = time.monotonic()
            try:
                config = self._write_config(self._port or _free_port())
                proc = self._spawn(config)
            except OSError as exc:
                log.error("cannot start the model process: %s", exc)
                time.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            ready = self._await_ready(proc)
            Path(config[0]).unlink(missing_ok=True)  # read by now, or never will be
            with self._cond:
                self._ready = ready
                if not ready:
                    self._port = None  # maybe the port was taken: the next child gets a fresh one
                self._cond.notify_all()
            code = proc.wait()
            with self._cond:
                self._ready = False
                self._cond.notify_all()
            if self._stopping:
                return
            self.restarts += 1
            log.warning("model process %s exited with %s; restarting%s", proc.pid, code, self._log_hint())
            if time.monotonic() - started < 10:  # dying at start-up: do not spin
                time.sleep(pause)
                pause = min(pause * 2, 30.0)
            else:
                pause = 1.0

    def _spawn(self, config: tuple[str, int]) -> subprocess.Popen:
        path, port = config
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            env = dict(os.environ, MAINTASSIST_PARENT_PID=str(os.getpid()))
            proc = subprocess.Popen([sys.executable, "-m", "assistant.llm.server_child", "--config_file", path],
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        with self._cond:
            self._proc, self._port = proc, port
        return proc

    def _write_config(self, port: int) -> tuple[str, int]:
        """The child's settings as a 0600 JSON file: the API key never shows in ``ps``."""
        model = {
            "model": str(self.model_path), "model_alias": ALIAS, "n_ctx": self.n_ctx, "n_threads": self.threads,
            "n_threads_batch": self.threads, "seed": self.seed, "flash_attn": self.flash_attn,
            "lora_path": str(self.lora_path) if self.lora_path else None,
            # The in-process defaults, where the server's differ: logits for the last token only (all of
            # them cost a vocabulary-sized matmul per prompt token), no mlock, quiet.
            "logits_all": False, "use_mlock": False, "verbose": False,
        }
        server = {"host": "127.0.0.1", "port": port, "api_key": self.api_key,
                  # Our app queues questions itself; a second request must wait, not cut the first one off.
                  "interrupt_requests": False, "models": [model]}
        folder = self.log_path.parent if self.log_path else Path(tempfile.gettempdir())
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".llama-server.", suffix=".json", dir=folder)  # created 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(server, fh)
        return name, port

    def _await_ready(self, proc: subprocess.Popen) -> bool:
        deadline = time.monotonic() + self.start_timeout_s
        request = urllib.request.Request(f"http://127.0.0.1:{self._port}/v1/models",
                                         headers={"Authorization": f"Bearer {self.api_key}"})
        while time.monotonic() < deadline and proc.poll() is None and not self._stopping:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.1)  # not listening yet
        if proc.poll() is None:
            log.error("model process did not answer within %.0f s; killing it%s", self.start_timeout_s,
                      self._log_hint())
            proc.kill()
        return False

    def _log_hint(self) -> str:
        return f" (log: {self.log_path})" if self.log_path else ""


class LlamaServerGenerator:
    """``Generator`` over a ``LlamaServer``: streams through the OpenAI-compatible client.

    When the child dies mid-answer the stream ends with ``ModelStopped`` at once (the socket closes), and
    the next call waits for the restarted child.
    """

    def __init__(self, server: LlamaServer, *, temperature: float, max_tokens: int, seed: int,
                 model_id: str = "llama.cpp", adapter_id: str | None = None, timeout_s: float = 300.0) -> None:
        self.server = server
        self.temperature, self.max_tokens, self.seed, self.timeout_s = temperature, max_tokens, seed, timeout_s
        self.model_id, self.adapter_id = model_id, adapter_id
        self._clients: dict[str, OpenAICompatGenerator] = {}

    def _client(self) -> OpenAICompatGenerator:
        url = self.server.url()
        if url not in self._clients:
            self._clients[url] = OpenAICompatGenerator(url, ALIAS, self.server.api_key, temperature=self.temperature,
                                                       max_tokens=self.max_tokens, timeout=self.timeout_s,
                                                       seed=self.seed, grammar_style="llamacpp")
        return self._clients[url]

    def load(self) -> None:
        """Start the child now (warm-up) instead of on the first question."""
        self.server.url()

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
               grammar: str | None = None) -> Iterator[str]:
        import httpx
        import openai

        for attempt in (1, 2):
            client, started = self._client(), False
            try:
                for piece in client.stream(messages, max_tokens=max_tokens, grammar=grammar):
                    started = True
                    yield piece
                return
            except (httpx.TransportError, openai.APIConnectionError) as exc:
                # A dropped connection is what a dead child looks like from here; the supervisor restarts it.
                # Refused before the first token, once: a child just killed can look alive for a moment
                # (its socket closes before it is a zombie), so ``url()`` handed out its old port.
                # A timeout is not retried: the reader has already waited ``timeout_s``.
                timed_out = isinstance(exc, (httpx.TimeoutException, openai.APITimeoutError))
                if started or timed_out or attempt == 2:
                    raise ModelStopped("the model stopped; restarting it, ask again in a few seconds") from exc
                time.sleep(_RETRY_PAUSE_S)

    def count_tokens(self, text: str) -> int:
        import httpx

        base = self.server.url().removesuffix("/v1")
        response = httpx.post(f"{base}/extras/tokenize/count", json={"input": text, "model": ALIAS},
                              headers={"Authorization": f"Bearer {self.server.api_key}"}, timeout=30)
        response.raise_for_status()
        return int(response.json()["count"])


_RETRY_PAUSE_S = 1.0  # long enough for the supervisor to see the old child gone and wait for the new one


def _running(proc: subprocess.Popen) -> bool:
    """Alive and not a zombie. Not ``proc.poll()``: while the supervisor thread sits in ``proc.wait()``,
    ``poll()`` from another thread cannot take Popen's lock and answers None ("running") for a dead child."""
    if proc.returncode is not None:
        return False
    try:
        stat = Path(f"/proc/{proc.pid}/stat").read_text()
    except OSError:
        if sys.platform.startswith("linux"):
            return False  # no /proc entry: gone
        try:
            os.kill(proc.pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

"""Chat under load: N concurrent technicians against a real ``maintassist serve`` on loopback.

Each simulated session logs in over HTTP (``POST /login``), opens the same socket.io connection the
browser opens (``/ws/socket.io``, auth cookie), waits for the chat to start, then asks one question;
sessions send in a fixed order, ``--stagger-ms`` apart. Meanwhile a separate thread GETs
``/auth/config`` every 100 ms: its round trip shows whether the event loop stays responsive while
the answer chain runs. Afterwards every received answer is checked against the server's database
(the AnswerRecord with that message id must hold this session's question and thread).

    .venv/bin/python benchmarks/bench_chat_load.py --sessions 20              # fake LLM, real retrieval
    .venv/bin/python benchmarks/bench_chat_load.py --sessions 4 --llm smollm2-135m

The fake LLM (``MAINTASSIST_LLM__MODE=fake``) keeps the run to minutes; retrieval (MiniLM, FAISS,
BM25), Chainlit, the data layer and SQLite are the real ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PASSWORD = "correct horse battery"
TOPICS = ["What hydraulic oil does press 4 use?", "How do I clear fault code E-204?",
          "The hydraulic pump is whining. What should I check?", "What is the spindle warm-up procedure on mill 2?",
          "How often is the compressor oil changed?", "How do I tension the conveyor 3 belt?",
          "What were the last repairs on press 4?", "What torque for the moulding machine nozzle?"]


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))], 1)


def cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-c", "from assistant.cli.main import app; app()", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        raise SystemExit(f"maintassist {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def prepare(data: Path, env: dict[str, str], users: list[str]) -> None:
    """Index the sample manuals and work orders; create one technician account per session."""
    cli(env, "ingest", str(SAMPLE / "manuals"), str(SAMPLE / "work_orders.csv"))
    code = ("import sys\nfrom assistant.wiring import container_from\nfrom assistant.db.users import UserService\n"
            "svc = UserService(container_from(None).session_factory)\n"
            "[svc.add(n, sys.argv[1], 'technician') for n in sys.argv[2:]]")
    done = subprocess.run([sys.executable, "-c", code, PASSWORD, *users], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"creating users failed:\n{done.stderr}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    import urllib.request

    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli.main import app; app()", "serve", "--host",
                             "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(360):  # bounded: 3 minutes
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/config", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("server exited:\n" + log_path.read_text())
            time.sleep(0.5)
    stop_server(proc)
    raise SystemExit("server did not start in 3 minutes:\n" + log_path.read_text())


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


class Pinger(threading.Thread):
    """GET a cheap endpoint every 100 ms on its own thread and connection; records (time, rtt ms)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.samples, self.failures, self.stop = url, [], 0, threading.Event()
        self.cold: list[float] = []
        self.failure_samples: list[str] = []

    def run(self) -> None:
        import httpx

        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                t0 = time.perf_counter()
                try:
                    client.get(self.url).raise_for_status()
                    self.samples.append((time.time(), (time.perf_counter() - t0) * 1000))
                except Exception as exc:  # noqa: BLE001 - a failed ping is counted, not fatal
                    self.failures += 1
                    if len(self.failure_samples) < 5:
                        self.failure_samples.append(f"{time.time():.1f} {type(exc).__name__}: {exc}"[:200])
                self.stop.wait(max(0.0, 0.1 - (time.perf_counter() - t0)))


class Session:
    """One technician: login, socket.io connect, one question, everything the server sends back."""

    def __init__(self, index: int, base: str, user: str, question: str) -> None:
        self.index, self.base, self.user, self.question = index, base, user, question
        self.sent_at = self.sources_at = self.first_token_at = self.done_at = None
        self.answer_id = self.thread_id = None
        self.content, self.queued, self.errors, self.assistant_ids = "", None, [], set()
        self.ready, self.finished = asyncio.Event(), asyncio.Event()

    async def connect(self) -> None:
        import httpx
        import socketio

        async with httpx.AsyncClient(base_url=self.base, timeout=60) as http:
            r = await http.post("/login", data={"username": self.user, "password": PASSWORD})
            r.raise_for_status()
            cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        self.sio = sio = socketio.AsyncClient(reconnection=False)
        sio.on("new_message", self._on_message)
        sio.on("update_message", self._on_message)
        sio.on("stream_start", self._on_message)
        sio.on("stream_token", self._on_token)
        sio.on("chat_settings", lambda *_: self.ready.set())
        sio.on("task_end", self._on_task_end)
        await sio.connect(self.base, socketio_path="/ws/socket.io", transports=["websocket"],
                          headers={"Cookie": cookie}, wait_timeout=60,
                          auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp", "userEnv": "{}"})
        await sio.emit("connection_successful")
        await asyncio.wait_for(self.ready.wait(), 60)  # on_chat_start sent the asset picker

    async def ask(self) -> None:
        step = {"id": str(uuid.uuid4()), "name": self.user, "type": "user_message", "output": self.question,
                "createdAt": datetime.now(timezone.utc).isoformat()}
        self.sent_at = time.time()
        await self.sio.emit("client_message", {"message": step, "fileReferences": []})

    async def _on_message(self, step: dict) -> None:
        if self.sent_at is None or step.get("type") != "assistant_message":
            return
        now, out = time.time(), step.get("output") or ""
        if step.get("name") == "Error" or out.startswith("⚠️ Could not answer"):
            self.errors.append(out[:200])
        self.assistant_ids.add(step["id"])
        self.answer_id, self.thread_id = step["id"], step.get("threadId") or self.thread_id
        waiting = re.search(r"Waiting:\*\* (\d+) questions? (?:is|are) ahead", out)  # render.progress_line
        if waiting and self.queued is None:
            self.queued = int(waiting.group(1))
        if "**Sources:**" in out and self.sources_at is None:
            self.sources_at = now
        self.content = out or self.content

    async def _on_token(self, data: dict) -> None:
        if self.first_token_at is None and self.sent_at is not None:
            self.first_token_at = time.time()

    async def _on_task_end(self, *_args) -> None:
        if self.sent_at is not None and self.answer_id is not None:
            self.done_at = time.time()
            self.finished.set()


def inversions(order: list[int]) -> int:
    return sum(1 for i in range(len(order)) for j in range(i + 1, len(order)) if order[i] > order[j])


def check_db(data: Path, sessions: list[Session]) -> list[str]:
    """Every received answer must be stored with this session's question, thread and owner."""
    import sqlite3

    problems = []
    with sqlite3.connect(data / "maintassist.db") as db:
        for s in sessions:
            row = db.execute("SELECT a.question, a.thread_id, u.username, a.text FROM answers a JOIN threads t ON "
                             "t.id = a.thread_id JOIN users u ON u.id = t.owner_id WHERE a.message_id = ?",
                             (s.answer_id,)).fetchone()
            if row is None:
                problems.append(f"session {s.index}: no stored answer for message {s.answer_id}")
            elif (row[0], row[1], row[2]) != (s.question, s.thread_id, s.user):
                problems.append(f"session {s.index}: stored {row[:3]} != sent {(s.question, s.thread_id, s.user)}")
            elif row[3].strip() not in s.content:
                problems.append(f"session {s.index}: streamed content differs from the stored answer")
        threads = {s.thread_id for s in sessions}
        if len(threads) != len(sessions):
            problems.append(f"{len(sessions)} sessions share {len(threads)} threads")
    return problems


async def warm_up(base: str, user: str, timeout_s: float) -> float:
    """One question first: the chain (embedder, index, LLM) loads lazily on the first question."""
    s = Session(-1, base, user, "Warm-up: what does press 4 do?")
    await s.connect()
    await s.ask()
    try:
        await asyncio.wait_for(s.finished.wait(), timeout_s)
    except asyncio.TimeoutError:
        raise SystemExit(f"warm-up question unanswered after {timeout_s:.0f} s; see the server log") from None
    await s.sio.disconnect()
    return s.done_at - s.sent_at


async def drive(base: str, users: list[str], stagger_s: float, timeout_s: float,
                warm: str | None) -> tuple[list[Session], Pinger, float | None]:
    sessions = [Session(i, base, u, f"{TOPICS[i % len(TOPICS)]} (technician {i:02d})") for i, u in enumerate(users)]
    pinger = Pinger(base + "/auth/config")
    pinger.start()
    warm_s = await warm_up(base, warm, timeout_s) if warm else None
    pinger.cold = [ms for _, ms in pinger.samples]
    pinger.samples.clear()  # the cold start is reported separately (warm_up_s), not as steady state
    await asyncio.gather(*(s.connect() for s in sessions))
    await asyncio.sleep(1.0)  # idle baseline samples
    for s in sessions:  # fixed send order: fairness is judged against it
        await s.ask()
        await asyncio.sleep(stagger_s)
    await asyncio.wait([asyncio.ensure_future(s.finished.wait()) for s in sessions], timeout=timeout_s)
    await asyncio.sleep(0.5)
    pinger.stop.set()
    pinger.join(timeout=15)
    await asyncio.gather(*(s.sio.disconnect() for s in sessions), return_exceptions=True)
    return sessions, pinger, warm_s


def summarise(sessions: list[Session], pinger: Pinger, problems: list[str], args, elapsed: float,
              warm_s: float | None) -> dict:
    done = [s for s in sessions if s.done_at]
    lat = [(s.done_at - s.sent_at) * 1000 for s in done]
    ttft = [(s.first_token_at - s.sent_at) * 1000 for s in done if s.first_token_at]
    start, end = min(s.sent_at for s in sessions), max((s.done_at or 0) for s in sessions) or time.time()
    during = [ms for t, ms in pinger.samples if start <= t <= end]
    idle = [ms for t, ms in pinger.samples if start - 1.0 <= t < start]
    by_done = [s.index for s in sorted(done, key=lambda s: s.done_at)]
    by_token = [s.index for s in sorted(done, key=lambda s: s.first_token_at or s.done_at)]
    return {
        "sessions": len(sessions), "llm": args.llm, "stagger_ms": args.stagger_ms, "elapsed_s": round(elapsed, 1),
        "warm_up_s": round(warm_s, 1) if warm_s is not None else None,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
        "answered": len(done), "lost": len(sessions) - len(done),
        "errors": sum(len(s.errors) for s in sessions) + len(problems), "error_samples": problems[:10] +
        [e for s in sessions for e in s.errors][:10],
        "extra_assistant_messages": sum(max(0, len(s.assistant_ids) - 1) for s in sessions),
        "latency_ms": {"p50": pct(lat, 50), "p95": pct(lat, 95), "max": pct(lat, 100)},
        "first_token_ms": {"p50": pct(ttft, 50), "p95": pct(ttft, 95), "max": pct(ttft, 100)},
        "fairness": {"completion_order": by_done, "inversions_completion": inversions(by_done),
                     "first_token_order": by_token, "inversions_first_token": inversions(by_token),
                     "queued_positions": [s.queued for s in sessions]},
        "ping_ms_during_run": {"n": len(during), "p50": pct(during, 50), "p95": pct(during, 95),
                               "max": pct(during, 100), "failures": pinger.failures,
                               "failure_samples": pinger.failure_samples, "under_200ms": bool(during)
                               and max(during) < 200 and not pinger.failures},
        "ping_ms_idle": {"n": len(idle), "p50": pct(idle, 50), "max": pct(idle, 100)},
        "ping_ms_during_warm_up": {"n": len(pinger.cold), "p50": pct(pinger.cold, 50), "max": pct(pinger.cold, 100)},
        "ping_spikes_over_100ms": [[round(t - start, 2), round(ms)] for t, ms in pinger.samples if ms > 100],
        "per_session": [{"i": s.index, "user": s.user, "latency_ms": round((s.done_at - s.sent_at) * 1000)
                         if s.done_at else None, "queued_ahead": s.queued, "thread": s.thread_id} for s in sessions],
    }


def print_table(r: dict) -> None:
    print(f"\nChat under load: {r['sessions']} sessions, LLM={r['llm']}, stagger {r['stagger_ms']} ms, "
          f"load avg at end {r['load_average_at_end']}, warm-up question {r['warm_up_s']} s")
    rows = [("answered / lost", f"{r['answered']} / {r['lost']}"), ("errors", r["errors"]),
            ("extra assistant messages", r["extra_assistant_messages"]),
            ("latency send→final p50 / p95 / max ms", "{p50} / {p95} / {max}".format(**r["latency_ms"])),
            ("first token p50 / p95 ms", "{p50} / {p95}".format(**r["first_token_ms"])),
            ("order inversions (final / first token)",
             f"{r['fairness']['inversions_completion']} / {r['fairness']['inversions_first_token']}"),
            ("ping during run p50 / p95 / max ms (n)", "{p50} / {p95} / {max} ({n})".format(**r["ping_ms_during_run"])),
            ("ping idle p50 / max ms", "{p50} / {max}".format(**r["ping_ms_idle"])),
            ("ping during warm-up question p50 / max ms", "{p50} / {max}".format(**r["ping_ms_during_warm_up"])),
            ("ping max < 200 ms", r["ping_ms_during_run"]["under_200ms"])]
    for name, value in rows:
        print(f"| {name:<42} | {value} |")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--stagger-ms", type=int, default=50, help="gap between the sessions' questions")
    p.add_argument("--llm", default="fake", help="'fake' (scripted generator) or a model name, e.g. smollm2-135m")
    p.add_argument("--timeout-s", type=float, default=900, help="give up waiting for answers after this")
    p.add_argument("--no-warm-up", action="store_true", help="measure the cold start (lazy model loading) too")
    p.add_argument("--data-dir", type=Path, help="reuse a prepared data dir (default: a fresh temp dir)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "chat_load.json")
    args = p.parse_args()
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="maintassist-load-"))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MAINTASSIST_DATA_DIR=str(data),
               MAINTASSIST_INGEST__ASSET_REGISTRY_FILE=str(SAMPLE / "assets.csv"))
    env.update({"MAINTASSIST_LLM__MODE": "fake"} if args.llm == "fake" else {"MAINTASSIST_LLM__MODEL": args.llm})
    users = [f"tech{i:02d}" for i in range(args.sessions)] + ["warmup"]
    if not (data / "maintassist.db").exists():
        print(f"preparing {data} (ingest sample manuals + work orders, {len(users)} users)…", flush=True)
        prepare(data, env, users)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"starting maintassist serve on {base} (LLM: {args.llm})…", flush=True)
    proc = start_server(env, port, data / "server.log")
    try:
        t0 = time.time()
        warm = None if args.no_warm_up else users[-1]
        sessions, pinger, warm_s = asyncio.run(drive(base, users[:-1], args.stagger_ms / 1000, args.timeout_s, warm))
        elapsed = time.time() - t0
        problems = check_db(data, [s for s in sessions if s.done_at])  # unanswered ones count as lost
    finally:
        stop_server(proc)
    result = summarise(sessions, pinger, problems, args, elapsed, warm_s)
    result["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}; server log {data / 'server.log'}")
    ok = result["lost"] == 0 and result["errors"] == 0 and result["extra_assistant_messages"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

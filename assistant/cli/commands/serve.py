"""``maintassist serve``: migrate, make sure an admin and the auth secret exist, start Chainlit."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

APP_DIR = Path(__file__).resolve().parents[2] / "app"
SECRET_FILE = "chainlit_secret"


def ensure_secret(data_dir: Path) -> str:
    """The Chainlit JWT secret: generated once, kept in the data dir readable by the owner only."""
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL + 0600 at creation: the secret is never world-readable, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret)
        fh.flush()
        os.fsync(fh.fileno())
    return secret


def prepare_app_root(data_dir: Path, allow_origins: list[str] | None = None) -> Path:
    """A Chainlit project folder in the data dir (config, CSS, welcome text) from the packaged copies.

    Chainlit writes its own files (translations, uploads) next to its config, so it gets a
    writable folder of its own rather than the installed package; like the data dir, owner only.
    ``allow_origins`` (``security.allow_origins``) goes into the config for Chainlit's CORS.
    """
    from assistant.private_files import private_dir

    root = private_dir(data_dir / "chainlit")
    private_dir(root / ".chainlit")
    private_dir(root / ".files")  # Chainlit's per-session uploads
    config = (APP_DIR / "chainlit_config.toml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^allow_origins = .*$", lambda _m: "allow_origins = " + json.dumps(allow_origins or []),
                    config)
    (root / ".chainlit" / "config.toml").write_text(config, encoding="utf-8")
    shutil.copyfile(APP_DIR / "chainlit.md", root / "chainlit.md")
    shutil.copytree(APP_DIR / "public", root / "public", dirs_exist_ok=True)
    from assistant.app.branding import write_translations

    write_translations(root)
    return root


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "chainlit", "run", str(APP_DIR / "main.py"), "--headless",
            "--host", host, "--port", str(port)]


def prepare(data_dir: Path | None) -> tuple[dict[str, str], object]:
    """Everything before the server starts; returns the server's environment and the settings."""
    from assistant.wiring import container_from
    from assistant.db.users import UserService
    from index.store import IndexStore

    container = container_from(data_dir)
    settings = container.settings
    # An index built with another embedder would fail at the first question; say so before starting.
    IndexStore.check_embedder(settings.index_dir, container.embedder)
    data = settings.data_dir.resolve()
    users = UserService(container.session_factory)  # building it ran the migrations
    password = users.ensure_admin()
    if password:
        typer.echo("First run: created user 'admin' with password (shown once, change it with "
                   f"`maintassist users set-password admin`):\n  {password}")
    env = dict(os.environ)
    env.update({"MAINTASSIST_DATA_DIR": str(data), "CHAINLIT_AUTH_SECRET": ensure_secret(data),
                "CHAINLIT_APP_ROOT": str(prepare_app_root(data, settings.security.allow_origins)),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1"})
    # Chainlit imports main.py by path from its own folder; make our packages importable there too.
    source_root = str(APP_DIR.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH", "")) if p)
    return env, settings


def register(app: typer.Typer) -> None:
    from assistant.cli.options import DataDirOption

    @app.command()
    def serve(
        host: str | None = typer.Option(None, "--host", help="Interface to listen on (default from settings)."),
        port: int | None = typer.Option(None, "--port", help="Port (default from settings, 8000)."),
        data_dir: Path = DataDirOption,
    ) -> None:
        """Start the chat app for technicians and supervisors."""
        env, settings = prepare(data_dir)
        host = host or settings.app.host
        port = port or settings.app.port
        typer.echo(f"maintassist chat on http://{host}:{port}  (data: {env['MAINTASSIST_DATA_DIR']})")
        raise typer.Exit(run_supervised(server_command(host, port), env=env, cwd=env["CHAINLIT_APP_ROOT"]))


def run_supervised(command: list[str], *, env: dict[str, str], cwd: str, grace_s: float = 10.0) -> int:
    """Run the server in a process group of its own and take the whole group down on SIGTERM / SIGINT.

    The group holds Chainlit and the model process it starts, so nothing is left serving the port or
    holding the model after ``maintassist serve`` is stopped (a plain terminate() orphaned Chainlit).
    """
    from assistant.llm.server_child import set_pdeathsig

    # PDEATHSIG: even a kill -9 of this process takes Chainlit (and so the model process) along.
    proc = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True, preexec_fn=set_pdeathsig)
    asked: list[float] = []  # when a stop was asked for

    def stop(_signum: int, _frame: object) -> None:
        if not asked:
            asked.append(time.monotonic())
            _signal_group(proc.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while True:
            try:
                code = proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > grace_s:  # a graceful shutdown that hangs
                    _signal_group(proc.pid, signal.SIGKILL)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _signal_group(proc.pid, signal.SIGKILL)  # anything left in the group (a model process mid-exit)
    return 0 if asked else code


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # the group is gone already

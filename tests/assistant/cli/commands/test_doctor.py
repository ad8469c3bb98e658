"""`maintassist doctor`: 0 on a healthy install, 1 with a one-line fix when a model file is damaged."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.cli.commands.doctor import FAIL, OK, check_secret

runner = CliRunner()


def _env(tmp_path, **extra):
    return {"MAINTASSIST_DATA_DIR": str(tmp_path), "MAINTASSIST_EMBEDDING__MODE": "fake", **extra}


def _ingest(tmp_path, env):
    manual = tmp_path / "src" / "pump.md"
    manual.parent.mkdir()
    manual.write_text("# Pump\n\n## Oil\n\nUse HLP 46 hydraulic oil. Change it every 2000 h.\n")
    assert runner.invoke(app, ["ingest", str(manual)], env=env).exit_code == 0


@pytest.mark.slow
@pytest.mark.llm
def test_healthy_install_passes(tmp_path):
    env = _env(tmp_path / "data", MAINTASSIST_LLM__MODEL="smollm2-135m")
    _ingest(tmp_path, env)
    result = runner.invoke(app, ["doctor"], env=env)
    assert result.exit_code == 0, result.output
    for row in ("cpu", "llama.cpp build", "model smollm2-135m", "model whisper-base", "model all-MiniLM-L6-v2", "index",
                "database", "chainlit secret", "generation"):
        assert row in result.output
    assert "all checks passed" in result.output


@pytest.mark.slow
def test_truncated_model_fails_with_a_fix(tmp_path):
    env = _env(tmp_path / "data")
    _ingest(tmp_path, env)
    broken = tmp_path / "data" / "models" / "qwen2.5-0.5b-instruct.gguf"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"GGUF" + b"\0" * 4096)  # a copy cut short
    result = runner.invoke(app, ["doctor"], env=env)
    assert result.exit_code == 1
    assert f"FAIL model qwen2.5-0.5b: fix: rm {broken}" in " ".join(result.output.split())
    assert broken.stat().st_size == 4100  # reported, not repaired behind the user's back


def test_missing_index_is_a_failure(tmp_path):
    result = runner.invoke(app, ["doctor"], env=_env(tmp_path, MAINTASSIST_LLM__MODE="fake"))
    assert result.exit_code == 1 and "fix: maintassist ingest" in result.output


def test_secret_permissions(tmp_path):
    assert check_secret(tmp_path).status == OK  # not created yet is fine
    secret = tmp_path / "chainlit_secret"
    secret.write_text("x" * 64)
    os.chmod(secret, 0o644)
    row = check_secret(tmp_path)
    assert row.status == FAIL and row.fix == f"chmod 600 {secret}"
    os.chmod(secret, 0o600)
    assert check_secret(tmp_path).status == OK


def test_the_judge_s_model_is_checked_when_the_judge_is_on(monkeypatch):
    from assistant.cli.commands import doctor
    from assistant.config import Settings

    monkeypatch.setattr(doctor, "_check_bundled", lambda models, spec, cache_dir: spec.name)
    off = Settings()
    on = Settings(answer={"judge": "llamacpp", "judge_model": "qwen2.5-1.5b"})
    assert "qwen2.5-1.5b" not in doctor.check_models(off)
    assert doctor.check_models(on) == doctor.check_models(off) + ["qwen2.5-1.5b"]


def test_the_multilingual_line_embedder_is_checked_unless_the_index_s_reads_every_line(monkeypatch):
    from assistant.cli.commands import doctor
    from assistant.config import Settings

    monkeypatch.setattr(doctor, "_check_bundled", lambda models, spec, cache_dir: spec.name)
    assert "multilingual-e5-small-q4" not in doctor.check_models(Settings())  # off by default
    assert "multilingual-e5-small-q4" in doctor.check_models(Settings(answer={"context_embedder": "auto"}))

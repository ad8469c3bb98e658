"""Suite-wide test settings, and where the external public data lives.

The external data (marker ``external``) is not part of the project: it sits in
``shared/data/external`` beside a checkout (``/work/shared`` for ``/work/main`` and
``/work/wt-*``). ``$MAINTASSIST_EXTERNAL_DATA`` names it explicitly; otherwise each folder above
the tests is tried in turn. Without it, tests that need it skip and say why; a file missing
inside a folder that is there fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Longer deadlines where real models load (the default, 120 s, is in pyproject.toml). Measured on the
# 2-core box while other jobs ran: the slowest real-model test took 88 s, the browser tests ~60 s each
# plus ~30 s to start the shared server; these leave room for a busier machine.
MARKER_TIMEOUTS = {"browser": 600, "slow": 300}

EXTERNAL_ENV = "MAINTASSIST_EXTERNAL_DATA"

# The answerability judge (answer.judge, on in the product) loads a 1.1 GB model and reads each
# prompt for ~5 s; the suite's chains run without it unless a test turns it on. Its own tests:
# tests/assistant/answer/grounding/test_judge.py (logic, fakes), tests/assistant/llm/test_judge_model.py
# (the real model). Set before any Settings is built, so subprocesses (the chat server) inherit it.
os.environ.setdefault("MAINTASSIST_ANSWER__JUDGE", "off")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is not None:
            continue  # the test chose its own
        for marker, seconds in MARKER_TIMEOUTS.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.timeout(seconds))
                break


def find_external_data(start: Path) -> tuple[Path | None, str]:
    """(folder, '') when found, else (None, why not)."""
    configured = os.environ.get(EXTERNAL_ENV)
    if configured:
        folder = Path(configured).expanduser()
        return (folder, "") if folder.is_dir() else (None, f"${EXTERNAL_ENV}={configured} is not a folder")
    for folder in (start, *start.parents):
        candidate = folder / "shared" / "data" / "external"
        if candidate.is_dir():
            return candidate, ""
    return None, f"no shared/data/external above {start} (set ${EXTERNAL_ENV} to point at it)"


EXTERNAL, EXTERNAL_MISSING = find_external_data(Path(__file__).resolve().parent)


def external_path(*parts: str) -> Path:
    """A file or folder of the external data; skips the calling test when the data is absent."""
    if EXTERNAL is None:
        pytest.skip(f"external data not present: {EXTERNAL_MISSING}")
    path = EXTERNAL.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing from the external data at {EXTERNAL}")
    return path


def imports_from(package_dir: Path, top: tuple[str, ...]) -> list[str]:
    """``file:line module`` for every import (lazy ones too) of a module under one of ``top`` in a package."""
    import ast

    found = []
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(package_dir)}:{node.lineno} {n}" for n in names if n.split(".")[0] in top]
    return found

"""scripts/check_architecture.py: the repository keeps the house rules, and each rule can fail."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_architecture", ROOT / "scripts" / "check_architecture.py")
check_architecture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_architecture)


def test_the_repository_keeps_the_rules():
    assert check_architecture.check(ROOT) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for package in ("ingest", "index", "assistant", "tests"):
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").touch()
    return root


def test_a_clean_tree_passes(tmp_path):
    root = write(tmp_path, {"ingest/a.py": "import json\n", "index/b.py": "from ingest import a\n",
                            "assistant/c.py": "from index.b import x\n", "assistant/wiring.py": "import assistant.c\n"})
    assert check_architecture.check(root) == []


@pytest.mark.parametrize("files, expected", [
    ({"ingest/a.py": "def f():\n    from index.b import x\n", "index/b.py": ""},
     "ingest/a.py:2: upward import of index.b"),
    ({"assistant/c.py": "import assistant.cli.main\n", "assistant/cli/__init__.py": "", "assistant/cli/main.py": ""},
     "assistant/c.py:1: upward import of assistant.cli.main"),
    ({"assistant/app/x.py": "from assistant.cli import options\n", "assistant/cli/__init__.py": "",
      "assistant/cli/options.py": ""}, "assistant/app/x.py:1: upward import of assistant.cli.options"),
    ({"ingest/a.py": "from ingest import b\n", "ingest/b.py": "def f():\n    from ingest.a import g\n"},
     "import circle: ingest.a -> ingest.b -> ingest.a"),
    ({"index/big.py": "x = 1\n" * 301}, "index/big.py: 301 lines (at most 300)"),
    ({f"assistant/m{i}.py": "" for i in range(10)}, "assistant/: 11 top-level modules (at most 10)"),
    ({"tests/test_x.py": "import pytest\nmod = pytest.importorskip('assistant.history')\n"},
     "tests/test_x.py:2: importorskip of our own module 'assistant.history'"),
])
def test_each_planted_violation_is_one_line(tmp_path, files, expected):
    problems = check_architecture.check(write(tmp_path, files))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_a_type_only_import_closes_no_circle_but_still_counts_for_layers(tmp_path):
    root = write(tmp_path, {
        "index/a.py": "from index import b\n",
        "index/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from index.a import A\n"
                      "    from assistant.c import C\n",
        "assistant/c.py": ""})
    assert [p.split(": ", 1)[1] for p in check_architecture.check(root)] == [
        "upward import of assistant.c (layer 2) from layer 1"]


def test_relative_imports_resolve(tmp_path):
    root = write(tmp_path, {"index/__init__.py": "", "index/b.py": "from ..assistant import c\n",
                            "assistant/c.py": ""})
    assert [p.split(": ", 1)[1] for p in check_architecture.check(root)] == [
        "upward import of assistant.c (layer 2) from layer 1"]


def test_the_command_prints_one_line_each_and_fails(tmp_path, capsys):
    root = write(tmp_path, {"ingest/a.py": "import assistant.c\n", "assistant/c.py": ""})
    assert check_architecture.main(["--root", str(root)]) == 1
    assert capsys.readouterr().out.strip().splitlines() == [
        "ingest/a.py:1: upward import of assistant.c (layer 2) from layer 0"]

"""Data flows one way: ingest imports nothing from index/ or assistant/ (not even lazily)."""

from __future__ import annotations

import ast
from pathlib import Path

import ingest

INGEST = Path(ingest.__file__).parent


def test_ingest_imports_nothing_from_the_layers_above():
    upward = []
    for path in sorted(INGEST.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            upward += [f"{path.relative_to(INGEST)}:{node.lineno} {n}" for n in names
                       if n.split(".")[0] in ("index", "assistant")]
    assert upward == []

"""Data flows one way: ingest imports nothing from index/ or assistant/ (not even lazily)."""

from __future__ import annotations

from pathlib import Path

import ingest
from tests.conftest import imports_from


def test_ingest_imports_nothing_from_the_layers_above():
    assert imports_from(Path(ingest.__file__).parent, ("index", "assistant")) == []

"""Data flows one way: index imports from ingest (types, text, atomic writes), never from assistant/."""

from __future__ import annotations

from pathlib import Path

import index
from tests.conftest import imports_from


def test_index_imports_nothing_from_assistant():
    assert imports_from(Path(index.__file__).parent, ("assistant",)) == []

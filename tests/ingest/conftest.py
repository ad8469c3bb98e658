from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import external_path


@pytest.fixture
def mr2() -> Path:
    """The digitised service manual in the external data (not copied into the project)."""
    return external_path("mr2-manual")

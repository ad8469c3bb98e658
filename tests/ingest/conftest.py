from __future__ import annotations

from pathlib import Path

import pytest

# The digitised service manual under ../shared (not copied into the project).
MR2 = Path(__file__).resolve().parents[3] / "shared" / "data" / "external" / "mr2-manual"


@pytest.fixture
def need_mr2() -> Path:
    if not MR2.exists():
        pytest.skip(f"{MR2} not present (shared external data not mounted)")
    return MR2

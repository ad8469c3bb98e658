"""Suite-wide test settings."""

from __future__ import annotations

import pytest

# Longer deadlines where real models load (the default, 120 s, is in pyproject.toml). Measured on the
# 2-core box while other jobs ran: the slowest real-model test took 88 s, the browser tests ~60 s each
# plus ~30 s to start the shared server; these leave room for a busier machine.
MARKER_TIMEOUTS = {"browser": 600, "slow": 300}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("timeout") is not None:
            continue  # the test chose its own
        for marker, seconds in MARKER_TIMEOUTS.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(pytest.mark.timeout(seconds))
                break

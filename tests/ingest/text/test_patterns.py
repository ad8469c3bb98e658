"""Numbers, quantities and codes."""

from __future__ import annotations

import pytest

from ingest.text import codes, numbers, quantities


@pytest.mark.parametrize("text, expected", [
    ("1,200 rpm", ["1200"]),
    ("8.80 bar", ["8.8"]),
    ("8.00 bar", ["8"]),
    ("alarm E204 and v1.2.3", []),
    ("between 3 and 45", ["3", "45"]),
])
def test_numbers(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Torque to 8.80 N·m.", ["8.8 n·m"]),
    ("set 82 °C and 45%", ["82 °c", "45 %"]),
    ("replace 3 or 4 of them", []),
    ("1,500 rpm", ["1500 rpm"]),
])
def test_quantities(text, expected):
    assert quantities(text) == expected


def test_codes_keep_order_without_repeats_and_need_a_digit():
    assert codes("E-204 then MT010b, E-204 again; WO259747 pump ABC") == ["E-204", "MT010b", "WO259747"]

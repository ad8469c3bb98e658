"""Filters fail closed: a chunk missing the filtered field never passes."""

import pytest

from index.types import Filters
from tests.index.conftest import make_chunk

PRESS = make_chunk("/m/press.md", 0, "Bleed the pump.", asset="PRESS-04", date="2024-03-02")
NO_ASSET = make_chunk("/m/general.md", 0, "Wear safety glasses.")
ORDER = make_chunk("/wo.csv", 0, "WO1 seal replaced", asset="PRESS-04", doc_type="work_order", date="2024-12-31")


class TestFilters:
    def test_no_filter_passes_everything_and_is_inactive(self):
        assert not Filters().active
        assert all(Filters().matches(c) for c in (PRESS, NO_ASSET, ORDER))

    @pytest.mark.parametrize("field", ["asset", "doc_types", "date_from", "date_to"])
    def test_any_one_field_makes_it_active(self, field):
        value = ("manual",) if field == "doc_types" else "x"
        assert Filters(**{field: value}).active

    def test_asset_is_exact_and_case_insensitive(self):
        assert Filters(asset="press-04").matches(PRESS)
        assert not Filters(asset="PRESS-0").matches(PRESS)
        assert not Filters(asset="PRESS-05").matches(PRESS)

    def test_a_chunk_without_an_asset_fails_an_asset_filter(self):
        assert not Filters(asset="PRESS-04").matches(NO_ASSET)
        assert not Filters(asset="").matches(PRESS)

    def test_doc_types(self):
        assert Filters(doc_types=("work_order",)).matches(ORDER)
        assert not Filters(doc_types=("work_order",)).matches(PRESS)
        assert not Filters(doc_types=()).matches(PRESS)

    def test_date_bounds_are_inclusive_and_undated_chunks_fail(self):
        assert Filters(date_from="2024-03-02", date_to="2024-03-02").matches(PRESS)
        assert not Filters(date_from="2024-03-03").matches(PRESS)
        assert not Filters(date_to="2024-03-01").matches(PRESS)
        assert not Filters(date_from="2000-01-01").matches(NO_ASSET)
        assert not Filters(date_to="2100-01-01").matches(NO_ASSET)

    def test_every_active_field_must_match(self):
        both = Filters(asset="PRESS-04", doc_types=("work_order",), date_from="2024-12-01", date_to="2024-12-31")
        assert both.matches(ORDER) and not both.matches(PRESS)

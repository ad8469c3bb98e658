"""``maintassist search``: ranked sources with scores, filters that fail closed, three modes."""

import re


def rows(output: str) -> list[list[str]]:
    """The cells of each result row of the Rich table (first line of each row only)."""
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines()
            if re.match(r"│ \d+ ", line)]


class TestSearchCommand:
    def test_ranked_sources_with_score_type_and_asset(self, ingested):
        found = rows(ingested.cli("search", "sight glass oil level HLP 46", "-k", "3").output)
        assert [r[0] for r in found] == ["1", "2", "3"]
        number, score, source, doc_type, asset, excerpt = found[0]
        assert source == "px9_press_manual.md · PX-9 Press Manual" and doc_type == "manual" and asset == "PRESS-09"
        assert "Pump whines and pressure is low" in excerpt
        scores = [float(r[1]) for r in found]
        assert scores == sorted(scores, reverse=True)

    def test_type_filter(self, ingested):
        found = rows(ingested.cli("search", "suction strainer", "--type", "work_order").output)
        assert found and {r[3] for r in found} == {"work_order"}
        assert found[0][2] in ("work_orders.csv · WO-1", "work_orders.csv · WO-2")

    def test_asset_filter_fails_closed(self, ingested):
        assert rows(ingested.cli("search", "strainer", "--asset", "press-09").output)
        out = ingested.cli("search", "strainer", "--asset", "PRESS-99").output
        assert out.strip() == "No matching sources (the filter matched nothing)."

    def test_modes_and_k(self, ingested):
        [only] = rows(ingested.cli("search", "EP2", "--mode", "bm25").output)  # one chunk has the word
        assert only[2] == "px9_press_manual.md · PX-9 Press Manual"
        assert [r[0] for r in rows(ingested.cli("search", "slide guides", "--mode", "dense", "-k", "1").output)] == ["1"]

"""``maintassist status``: what is indexed where."""


class TestStatusCommand:
    def test_counts_after_ingest(self, ingested):
        lines = [line.strip() for line in ingested.cli("status").output.splitlines()]
        assert lines == [
            f"data dir: {ingested.data_dir.resolve()}",
            "embedder: fake-hash-64 (dim 64)",
            "index kind: flat; chunks: 5; sources: 2",
            "manual            2 chunks",
            "work_order        3 chunks",
            "assets known: 1",
        ]

    def test_empty_data_dir(self, plant):
        out = plant.cli("status").output
        assert "chunks: 0; sources: 0" in out and "assets known: 0" in out and "manual" not in out

"""``maintassist ingest``: counts, idempotent re-runs, changed files and ``--delete``."""

import json


class TestIngestCommand:
    def test_first_run_then_nothing_to_do(self, plant):
        first = plant.ingest().output
        assert f"ingested: {plant.manual} (manual, 1 document)" in first
        assert f"ingested: {plant.work_orders} (work_order, 3 documents, 3 work orders)" in first
        assert "ingested 2, skipped unchanged 0, failed 0, deleted 0; 5 chunks added." in first
        again = plant.ingest().output
        assert "ingested 0, skipped unchanged 2, failed 0, deleted 0; 0 chunks added." in again

    def test_a_changed_file_replaces_its_chunks(self, plant):
        plant.ingest()
        plant.work_orders.write_text(plant.work_orders.read_text().replace("greased slide guides",
                                                                           "greased slide guides with EP2"))
        out = plant.ingest().output
        assert "ingested 1, skipped unchanged 1, failed 0, deleted 0; 3 chunks added." in out
        assert "chunks: 5; sources: 2" in plant.cli("status").output

    def test_delete_removes_the_file_from_index_and_history(self, plant):
        plant.ingest()
        count = "How many work orders did press 9 have in 2024?"
        before = json.loads(plant.cli("ask", "--json", count).output)
        assert before["route"] == "history" and [c["record_id"] for c in before["citations"]] == ["WO-2", "WO-1", None]
        assert before["citations"][-1]["doc_type"] == "computed"  # the count's own source
        out = plant.cli("ingest", "--delete", str(plant.work_orders)).output
        assert f"deleted: {plant.work_orders.resolve().as_posix()}" in out
        assert "ingested 0, skipped unchanged 0, failed 0, deleted 1; 0 chunks added." in out
        status = plant.cli("status").output
        assert "chunks: 2; sources: 1" in status and "work_order" not in status
        assert "No matching sources" in plant.cli("search", "WO-2", "--type", "work_order").output
        # the work-order rows are gone too: nothing is left to count or cite
        after = json.loads(plant.cli("ask", "--json", count).output)
        assert after["route"] != "history" and {c["doc_type"] for c in after["citations"]} == {"manual"}
        again = plant.cli("ingest", "--delete", str(plant.work_orders)).output
        assert "nothing to delete" in again and "deleted 0" in again

    def test_delete_a_folder_and_ingest_in_one_run(self, plant):
        plant.ingest()
        other = plant.root / "other"
        other.mkdir()
        (other / "notes.txt").write_text("Press 9 light curtain test every shift.", encoding="utf-8")
        out = plant.cli("ingest", str(other), "--delete", str(plant.corpus)).output
        assert "ingested 1, skipped unchanged 0, failed 0, deleted 2" in out
        assert "chunks: 1; sources: 1" in plant.cli("status").output

    def test_bad_arguments_are_refused(self, plant):
        nothing = plant.cli("ingest", ok=False)
        assert nothing.exit_code == 2 and "give at least one PATH, --delete PATH or --reembed" in nothing.output
        missing = plant.cli("ingest", str(plant.root / "nope.pdf"), ok=False)
        assert missing.exit_code == 2 and "not found" in missing.output
        bad_option = plant.cli("ingest", str(plant.corpus), "--assets", str(plant.root / "nope.csv"), ok=False)
        assert bad_option.exit_code == 2 and "not found" in bad_option.output

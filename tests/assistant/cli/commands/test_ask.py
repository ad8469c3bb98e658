"""``maintassist ask``: sources listed, checked answer, flags, the route taken."""

import json

RAG = "press 9 pump whines, what do I check?"


class TestAskCommand:
    def test_retrieval_answer_lists_its_sources(self, ingested):
        out = ingested.cli("ask", RAG).output
        assert out.startswith("5 sources found; answering…")
        sources = out[out.index("\nSources\n"):]
        assert " *[1] px9_press_manual.md · PX-9 Press Manual" in sources  # * marks the cited ones
        assert "[3] work_orders.csv · WO-" in sources
        # the fake LLM's scripted sentence is not in any source: flagged, and the checked answer replaces it
        assert "Checked answer:" in out and "suction strainer is clogged" in out
        assert "flag unsupported_sentence: This is a scripted answer" in out
        assert out.rstrip().endswith("route rag")

    def test_json_answer(self, ingested):
        answer = json.loads(ingested.cli("ask", "--json", RAG).output)
        assert answer["question"] == RAG and answer["route"] == "rag"
        cited = [c for c in answer["citations"] if c["cited"]]
        assert cited and cited[0]["source"] == ingested.manual.resolve().as_posix()
        assert "[1]" in answer["text"]

    def test_counting_question_is_answered_from_the_work_orders(self, ingested):
        out = ingested.cli("ask", "How many times was the suction strainer clogged on press 9 in 2024?").output
        assert "Press 9 had 2 work orders" in out and "latest was WO-2 on 2024-12-31" in out
        assert " *[1] work_orders.csv · WO-2" in out and " *[2] work_orders.csv · WO-1" in out
        assert out.rstrip().endswith("route history")

    def test_unanswerable_question_is_declined(self, ingested):
        answer = json.loads(ingested.cli("ask", "--json", "Who won the 1998 football world cup?").output)
        assert answer["abstained"] and answer["route"] == "abstain"
        assert answer["text"].startswith("Not in your documents: won the 1998 football world cup.")
        assert [f["kind"] for f in answer["flags"]] == ["abstained"]
        assert not any(c["cited"] for c in answer["citations"])

"""SourcedGenerator: the prompt window over the conversation, the source budget, max_tokens."""

from __future__ import annotations

from assistant.answer.generate import SourcedGenerator
from assistant.llm.fake import FakeGenerator
from assistant.types import Answer, ChatMessage, Citation

CITATIONS = [Citation(n=1, chunk_id="c1", source="/m/press.md", doc_type="manual", label="press.md", excerpt="")]
CONVERSATION = [ChatMessage("user" if i % 2 == 0 else "assistant", f"turn {i}") for i in range(6)]


def write(prompt_turns: int) -> tuple[str, dict]:
    gen = FakeGenerator("Clean it every 500 h [1].")
    writer = SourcedGenerator(gen, max_tokens=77, source_chars=250, prompt_turns=prompt_turns)
    text = writer.write("How often?", CONVERSATION, CITATIONS, ["Clean the strainer every 500 h."],
                        Answer(question="How often?", text=""), None, 0.0)
    return text, gen.calls[0]


def test_the_model_reads_the_last_prompt_turns_of_the_conversation():
    text, call = write(prompt_turns=2)
    prompt = call["messages"][-1].content
    assert text == "Clean it every 500 h [1]." and call["max_tokens"] == 77
    assert "turn 1" not in prompt and all(f"turn {i}" in prompt for i in (2, 3, 4, 5))


def test_no_prompt_turns_means_no_conversation_in_the_prompt():
    _, call = write(prompt_turns=0)
    assert "turn" not in call["messages"][-1].content


def test_the_source_budget_leans_towards_the_best_ranked():
    writer = SourcedGenerator(FakeGenerator(), max_tokens=10, source_chars=100, prompt_turns=1)
    cites = [Citation(n=n, chunk_id=f"c{n}", source="s", doc_type="manual", label="s", excerpt="") for n in (1, 2, 3)]
    long = " ".join(f"word{i}" for i in range(200))
    first, _, last = writer.budget("word1", cites, {1: long, 2: long, 3: long})
    assert len(first) > len(last)


def test_a_record_the_question_names_by_its_id_is_read_whole():
    writer = SourcedGenerator(FakeGenerator(), max_tokens=10, source_chars=250, prompt_turns=1)
    cites = [Citation(n=n, chunk_id=f"c{n}", source="repairs.csv", doc_type="record", label="repairs.csv",
                      excerpt="", record_id=f"restart_{n}") for n in (1, 2, 3)]
    row = "repairs (line {n}):\nid: restart_{n} | problem: " + " ".join(f"word{i}" for i in range(40))
    sources = {n: row.format(n=n) for n in (1, 2, 3)}
    named = writer.budget("restart_2 what was wrong w/ it", cites, sources)
    plain = writer.budget("restart_22 what was wrong w/ it", cites, sources)
    assert named[1] == sources[2].strip() and plain[1] != sources[2].strip()
    assert sum(map(len, named)) - len(named[1]) <= 250 * 2 + 20  # the others read their own share (headings kept)


def test_a_named_record_read_alone_is_read_whole_up_to_two_shares():
    writer = SourcedGenerator(FakeGenerator(), max_tokens=10, source_chars=250, prompt_turns=1)
    cite = Citation(n=1, chunk_id="c1", source="repairs.csv", doc_type="record", label="repairs.csv", excerpt="",
                    record_id="rcint_35200")
    row = "repairs (line 762):\nid: rcint_35200 | country: GBR | brand: Henry | " + "x" * 200 + " | problem: new plug"
    assert writer.budget("what did they do on rcint_35200", [cite], {1: row}) == [row]
    assert writer.budget("what did they do on rcint_35200", [cite], {1: row * 3})[0] == (row * 3)[:500]

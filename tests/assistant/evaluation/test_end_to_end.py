"""The eval command on a real (tiny) ingested corpus: real container, store, BM25 and chain.

The embedder and LLM are the fakes selected through Settings, so this checks the wiring and
the report, not model quality (benchmarks/bench_eval.py measures that).
"""

import json

import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.slow

MANUAL = """# PX-9 press manual

## Hydraulic unit

The accumulator of the PX-9 press holds up to 210 bar. Discharge it before opening any fitting.

## Lubrication

Grease the slide guides every 40 hours with EP2 grease.
"""


@pytest.fixture()
def corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("MAINTASSIST_EMBEDDING__MODE", "fake")
    monkeypatch.setenv("MAINTASSIST_LLM__MODE", "fake")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "px9_manual.md").write_text(MANUAL, encoding="utf-8")
    data_dir = tmp_path / "data"
    from assistant.wiring import container_from

    report = container_from(data_dir).ingest_pipeline.run([docs])
    assert report.failed == 0
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(q) for q in [
        {"id": "a", "question": "What pressure does the PX-9 accumulator hold?", "kind": "fact",
         "expected_sources": [{"source": "px9_manual.md"}], "answer_must_include": ["210 bar"]},
        {"id": "b", "question": "How often are the slide guides greased?", "kind": "procedure",
         "expected_sources": [{"source": "docs/px9_manual.md"}], "answer_must_include": ["40 hours"]},
        {"id": "c", "question": "Who won the 1998 football world cup?", "answerable": False},
    ]) + "\n", encoding="utf-8")
    return data_dir, qa


@pytest.mark.parametrize("extra", [["--retrieval-only"], ["--retrieval-only", "--retrieval-mode", "bm25"], []])
def test_eval_command_on_an_ingested_corpus(corpus, tmp_path, extra):
    from assistant.cli.main import app

    data_dir, qa = corpus
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "--qa", str(qa), "--data-dir", str(data_dir), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["questions"] == 3 and report["errors"] == 0
    assert report["retrieval"]["recall@10"] == 1.0  # one file: any chunk of it is a hit
    assert report["config"]["index"]["chunk_count"] >= 1
    if "--retrieval-only" in extra:
        assert report["mode"] == "retrieval-only" and report["grounding"]["fact_recall"] is None
    else:
        assert report["mode"] == "full" and report["config"]["model_id"] == "fake"
        assert report["latency_s"]["total_p50"] is not None
        assert set(report["per_kind"]) == {"fact", "procedure"}

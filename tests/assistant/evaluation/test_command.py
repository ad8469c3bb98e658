import json
import sys
import types

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.commands import eval as eval_cmd
from assistant.evaluation.fake import FakeAnswerChain, FakeRetriever
from assistant.types import Answer, Citation
from index.types import ScoredChunk
from ingest.types import Chunk

CHUNK = Chunk(chunk_id="c1", text="Clean the suction strainer.", source="/c/manual.pdf", doc_type="manual", page=4)
QUESTION = "Pump whines?"


class FakeStore:
    manifest = {"chunk_count": 1, "embedder": "fake", "files": {"/c/manual.pdf": "abc"}}

    def chunks(self):
        return [CHUNK]


class FakeContainer:
    def __init__(self):
        answer = Answer(question=QUESTION, text="Clean the suction strainer [1].", model_id="fake-llm",
                        citations=[Citation(n=1, chunk_id="c1", source=CHUNK.source, doc_type="manual",
                                            label="manual.pdf", excerpt="", page=4)])
        self.chain = FakeAnswerChain(answers={QUESTION: answer},
                                     retrievals={QUESTION: [ScoredChunk(chunk=CHUNK, score=0.9)]})
        self.retriever = FakeRetriever({"keyword": {}})
        self.store = FakeStore()
        self.settings = types.SimpleNamespace(index_dir="/fake/index")


@pytest.fixture()
def cli(monkeypatch):
    built = []

    def container_from(data_dir):
        built.append(data_dir)
        return FakeContainer()

    # A stand-in module: the real assistant.cli.main wires every command and the real container.
    monkeypatch.setitem(sys.modules, "assistant.wiring", types.SimpleNamespace(container_from=container_from))
    app = typer.Typer()
    eval_cmd.register(app)
    app.command("noop")(lambda: None)  # a second command keeps "eval" a named subcommand
    return app, built


def qa_file(tmp_path, lines):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(l) if isinstance(l, dict) else l for l in lines) + "\n")
    return path


ITEM = {"id": "q1", "question": QUESTION, "kind": "fact", "expected_sources": [{"source": "manual.pdf", "page": 4}],
        "answer_must_include": ["suction strainer"]}


def test_full_run_prints_table_and_writes_report(cli, tmp_path):
    app, built = cli
    out = tmp_path / "r" / "report.json"
    result = CliRunner().invoke(app, ["eval", "--qa", str(qa_file(tmp_path, [ITEM])), "--out", str(out),
                                      "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "overall" in result.output and "fact" in result.output
    report = json.loads(out.read_text())
    assert report["mode"] == "full" and report["retrieval"]["recall@1"] == 1.0
    assert report["grounding"]["fact_recall"] == 1.0 and report["grounding"]["citation_precision"] == 1.0
    assert report["config"]["model_id"] == "fake-llm"
    assert report["config"]["index"] == {"chunk_count": 1, "embedder": "fake"}  # scalars only
    assert built == [tmp_path]


def test_bm25_retrieval_only_with_zero_hits_still_exits_0(cli, tmp_path):
    app, _ = cli
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "--qa", str(qa_file(tmp_path, [ITEM])), "--retrieval-only",
                                      "--retrieval-mode", "bm25", "--k", "1,3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["mode"] == "retrieval-only" and report["retrieval"] == {
        "recall@1": 0.0, "recall@3": 0.0, "mrr": 0.0, "graded_questions": 1, "depth": 0}


def test_invalid_qa_file_exits_2_naming_the_line(cli, tmp_path):
    app, built = cli
    path = qa_file(tmp_path, [ITEM, '{"id": "q2"}'])
    result = CliRunner().invoke(app, ["eval", "--qa", str(path)])
    assert result.exit_code == 2
    assert f"{path}:2: field 'question'" in result.output
    assert built == []  # nothing loaded for a broken file


def test_bad_k_is_a_usage_error(cli, tmp_path):
    app, _ = cli
    result = CliRunner().invoke(app, ["eval", "--qa", str(qa_file(tmp_path, [ITEM])), "--k", "1,x"])
    assert result.exit_code == 2 and "--k" in result.output


def test_warns_when_the_qa_file_is_in_the_index(cli, tmp_path, monkeypatch):
    app, _ = cli
    qa = qa_file(tmp_path, [ITEM])
    monkeypatch.setattr(FakeStore, "manifest", {"chunk_count": 5, "source_hashes": {str(qa.resolve()): "h"}})
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["eval", "--qa", str(qa), "--retrieval-only", "--out", str(out)])
    assert result.exit_code == 0 and "is itself in the index" in result.output
    assert "is itself in the index" in json.loads(out.read_text())["config"]["warnings"][0]


def test_empty_index_exits_2(cli, tmp_path, monkeypatch):
    app, _ = cli
    monkeypatch.setattr(FakeStore, "manifest", {"chunk_count": 0})
    result = CliRunner().invoke(app, ["eval", "--qa", str(qa_file(tmp_path, [ITEM]))])
    assert result.exit_code == 2 and "/fake/index is empty; run maintassist ingest" in result.output


def test_index_option_resolves_the_data_dir(tmp_path):
    (tmp_path / "index" / "v-1").mkdir(parents=True)
    (tmp_path / "index" / "CURRENT").write_text("v-1")
    assert eval_cmd.resolve_data_dir(tmp_path / "index", None) == tmp_path.resolve()
    assert eval_cmd.resolve_data_dir(tmp_path, None) == tmp_path.resolve()
    assert eval_cmd.resolve_data_dir(None, tmp_path) == tmp_path
    with pytest.raises(FileNotFoundError, match="no index here"):
        eval_cmd.resolve_data_dir(tmp_path / "elsewhere", None)
    with pytest.raises(ValueError, match="belongs to data dir"):
        eval_cmd.resolve_data_dir(tmp_path / "index", tmp_path / "other")

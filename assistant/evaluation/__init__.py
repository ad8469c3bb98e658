"""Evaluation harness: QA files in, retrieval / grounding / abstention / latency figures out.

``load_qa`` validates a QA JSONL file, ``EvalRunner`` runs it through the answer chain,
``build_report`` aggregates, ``render_table`` / ``write_report`` present. Metric formulas:
docs/EVALUATION.md.
"""

from assistant.evaluation.qa import ExpectedSource, QAFormatError, QAItem, load_qa
from assistant.evaluation.report import build_report, render_table, write_report
from assistant.evaluation.runner import EvalRunner, QuestionResult, grade_answer

__all__ = [
    "EvalRunner", "ExpectedSource", "QAFormatError", "QAItem", "QuestionResult",
    "build_report", "grade_answer", "load_qa", "render_table", "write_report",
]

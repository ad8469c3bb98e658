"""Aggregate per-question results into the stable JSON report and a rich table.

Undefined rates (no question of that sort) are ``None`` / ``null``, never a
misleading 0.0. Key names are stable; scripts may rely on them (docs/EVALUATION.md).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from assistant.evaluation import metrics
from assistant.evaluation.runner import QuestionResult


def summarize(results: Sequence[QuestionResult], ks: Sequence[int], mode: str) -> dict[str, Any]:
    """Retrieval, grounding, abstention and latency figures over ``results``."""
    full = mode == "full"
    return {
        "questions": len(results),
        "retrieval": _retrieval(results, ks),
        "grounding": _grounding(results) if full else dict.fromkeys(GROUNDING_KEYS),
        "abstention": _abstention(results) if full else dict.fromkeys(ABSTENTION_KEYS),
        "latency_s": _latency(results),
        "answers_with_citations": (
            sum(1 for r in results if set(r.markers) - set(r.invalid_markers)) if full else None
        ),
        "errors": sum(1 for r in results if r.error),
    }


GROUNDING_KEYS = ("citation_precision", "citation_coverage", "fact_recall", "invalid_citations",
                  "facts_in_retrieved", "facts_in_prompt", "facts_in_reply", "answers_with_absent_numbers")
ABSTENTION_KEYS = ("correct_decline_rate", "false_decline_rate")


def _retrieval(results: Sequence[QuestionResult], ks: Sequence[int]) -> dict[str, Any]:
    graded = [r for r in results if r.item.answerable and r.item.expected_sources]
    out: dict[str, Any] = {
        f"recall@{k}": metrics.mean([metrics.recall_at_k(r.first_hit_rank, k) for r in graded]) for k in ks
    }
    out["mrr"] = metrics.mean([metrics.reciprocal_rank(r.first_hit_rank) for r in graded])
    out["graded_questions"] = len(graded)
    # The chain may return fewer chunks than max(k); then recall@k above that depth is capped.
    out["depth"] = max((len(r.retrieved) for r in results), default=0)
    return out


def _grounding(results: Sequence[QuestionResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.item.answerable]
    spoken = [r for r in results if r.answered and not r.abstained]
    with_facts = [r for r in answerable if r.item.answer_must_include]
    return {
        "citation_precision": metrics.ratio(
            sum(len(r.precise_markers) for r in answerable), sum(len(r.markers) for r in answerable)
        ),
        "citation_coverage": metrics.ratio(
            sum(r.sentences_cited for r in spoken), sum(r.sentences_total for r in spoken)
        ),
        "fact_recall": metrics.mean(
            [len(r.facts_found) / len(r.item.answer_must_include) for r in with_facts]
        ),
        "invalid_citations": sum(len(r.invalid_markers) for r in results),
        # Where facts are lost (answerable questions with facts): in the retrieved chunks, in the
        # model's prompt and in its reply before the checks (questions that reached the model), in the answer
        # (= fact recall; a fact in the reply but not in the answer was dropped by a check or a decline).
        "facts_in_retrieved": metrics.mean([r.facts_in_retrieved for r in with_facts
                                            if r.facts_in_retrieved is not None]),
        "facts_in_prompt": metrics.mean([r.facts_in_prompt for r in with_facts if r.facts_in_prompt is not None]),
        "facts_in_reply": metrics.mean([r.facts_in_reply for r in with_facts if r.facts_in_reply is not None]),
        # answers stating a number none of their cited sources holds (target: 0); a count or a sum over a table
        # cites its computation (``computed_citation``), so every route is held to it
        "answers_with_absent_numbers": sum(1 for r in spoken if r.numbers_absent),
    }


def _abstention(results: Sequence[QuestionResult]) -> dict[str, Any]:
    unanswerable = [r for r in results if not r.item.answerable]
    answerable = [r for r in results if r.item.answerable]
    return {
        "correct_decline_rate": metrics.mean([1.0 if r.abstained else 0.0 for r in unanswerable]),
        "false_decline_rate": metrics.mean([1.0 if r.abstained else 0.0 for r in answerable]),
    }


def _latency(results: Sequence[QuestionResult]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("sources", "first_token", "total"):
        values = [r.timings[f"{name}_s"] for r in results if f"{name}_s" in r.timings]
        out[f"{name}_p50"] = metrics.percentile(values, 50)
        out[f"{name}_p95"] = metrics.percentile(values, 95)
    # Decode speed: tokens after the first one over the time spent producing them.
    timed = [r for r in results if r.output_tokens > 1 and "first_token_s" in r.timings and "total_s" in r.timings]
    gen_time = sum(max(r.timings["total_s"] - r.timings["first_token_s"], 0.0) for r in timed)
    out["output_tokens_per_s"] = metrics.ratio(sum(r.output_tokens - 1 for r in timed), gen_time)
    return out


def question_record(r: QuestionResult, ks: Sequence[int]) -> dict[str, Any]:
    item = r.item
    return {
        "id": item.id, "kind": item.kind, "question": item.question, "asset": item.asset,
        "answerable": item.answerable, "line": item.line,
        "first_hit_rank": r.first_hit_rank,
        **{f"hit@{k}": bool(metrics.recall_at_k(r.first_hit_rank, k)) for k in ks},
        "retrieved": [
            {"source": x.source.rsplit("/", 1)[-1], "page": x.page, "record_id": x.record_id, "score": x.score}
            for x in r.retrieved
        ],
        "answer": r.answer_text, "abstained": r.abstained, "route": r.route, "decline_reason": r.decline_reason,
        "declined_by": r.declined_by,
        "p_yes": r.p_yes, "p_value": r.p_value, "evidence": r.evidence, "flags": r.flags,
        "cited": r.markers, "precise_citations": r.precise_markers, "invalid_citations": r.invalid_markers,
        "sentences_cited": r.sentences_cited, "sentences_total": r.sentences_total,
        "facts_found": r.facts_found, "facts_in_retrieved": r.facts_in_retrieved, "facts_in_prompt": r.facts_in_prompt,
        "facts_in_reply": r.facts_in_reply, "numbers_absent": r.numbers_absent,
        "facts_missing": [f for f in item.answer_must_include if f not in r.facts_found] if r.answered else None,
        "timings": r.timings, "output_tokens": r.output_tokens, "error": r.error,
    }


def build_report(results: Sequence[QuestionResult], *, ks: Sequence[int], mode: str,
                 config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stable report: top-level summary, ``per_kind`` summaries, ``per_question`` records."""
    ks = sorted(set(ks))
    by_kind: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        by_kind[r.item.kind].append(r)
    summary = summarize(results, ks, mode)
    return {
        "questions": summary.pop("questions"),
        "mode": mode,
        **summary,
        "per_kind": {kind: summarize(rs, ks, mode) for kind, rs in sorted(by_kind.items())},
        "per_question": [question_record(r, ks) for r in results],
        "config": {**(config or {}), "k": list(ks), "mode": mode},
    }


def write_report(report: dict[str, Any], path: Path) -> None:
    """Write atomically so a crashed run never leaves half a report for scripts to read."""
    from ingest.atomic import write_json_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, report)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_table(report: dict[str, Any], console: Any = None) -> None:
    """Print overall and per-kind rows (rich): retrieval, then answers and latency in full mode.

    Three narrow tables rather than one wide one, so a laptop terminal still shows every figure.
    """
    from rich.console import Console

    console = console or Console()
    ks = report["config"]["k"]
    rows = [("overall", report)] + list(report["per_kind"].items())
    title = f"{report['mode']} · {report['config'].get('retrieval_mode', '')}"
    console.print(_table(f"retrieval ({title})", ["n"] + [f"R@{k}" for k in ks] + ["MRR", "src p50 s", "src p95 s"],
                         rows, lambda s: [fmt(s["questions"])] + [fmt(s["retrieval"][f"recall@{k}"]) for k in ks]
                         + [fmt(s["retrieval"]["mrr"]), fmt(s["latency_s"]["sources_p50"]),
                            fmt(s["latency_s"]["sources_p95"])]))
    if report["mode"] == "full":
        console.print(_table("answers", ["n", "cite prec", "cite cov", "fact rec", "invalid", "decl ok",
                                         "decl bad", "cited", "new nums"], rows, _answer_cells))
        console.print(_table("where facts are lost", ["n", "in retrieved", "in prompt", "in reply", "in answer"], rows,
                             _fact_path_cells))
        console.print(_table("latency (s)", ["n", "1st tok p50", "1st tok p95", "total p50", "total p95", "tok/s"],
                             rows, _latency_cells))
    depth = report["retrieval"]["depth"]
    if depth and depth < max(ks):
        console.print(f"note: rankings held at most {depth} chunks, so recall@k for k > {depth} equals "
                      f"recall@{depth}", style="yellow", markup=False, highlight=False)
    if report.get("errors"):
        console.print(f"[yellow]{report['errors']} question(s) failed; see per_question[].error[/yellow]")


def _answer_cells(s: dict[str, Any]) -> list[str]:
    g, a = s["grounding"], s["abstention"]
    return [fmt(s["questions"]), fmt(g["citation_precision"]), fmt(g["citation_coverage"]), fmt(g["fact_recall"]),
            fmt(g["invalid_citations"]), fmt(a["correct_decline_rate"]), fmt(a["false_decline_rate"]),
            fmt(s["answers_with_citations"]), fmt(g["answers_with_absent_numbers"])]


def _fact_path_cells(s: dict[str, Any]) -> list[str]:
    g = s["grounding"]
    return [fmt(s["questions"]), fmt(g["facts_in_retrieved"]), fmt(g["facts_in_prompt"]), fmt(g["facts_in_reply"]),
            fmt(g["fact_recall"])]


def _latency_cells(s: dict[str, Any]) -> list[str]:
    lat = s["latency_s"]
    return [fmt(s["questions"]), fmt(lat["first_token_p50"], 2), fmt(lat["first_token_p95"], 2),
            fmt(lat["total_p50"], 2), fmt(lat["total_p95"], 2), fmt(lat["output_tokens_per_s"], 1)]


_CAPTIONS = {"answers": "decl ok: unanswerable questions declined; decl bad: answerable ones declined; "
                        "cited: answers with a valid citation; new nums: answers from the documents stating a "
                        "number that none of their cited passages holds",
             "where facts are lost": "share of expected facts in the retrieved chunks, in the text the model "
                                     "read (questions that reached it), and in the answer"}


def _table(title: str, cols: list[str], rows: list[tuple[str, dict[str, Any]]], cells: Any) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", caption=_CAPTIONS.get(title), caption_justify="left")
    table.add_column("kind", style="bold", no_wrap=True)
    for col in cols:
        table.add_column(col, justify="right")
    for name, summary in rows:
        table.add_row(name, *cells(summary), end_section=name == "overall")
    return table

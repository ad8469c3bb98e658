#!/usr/bin/env python3
"""Validate the QA files of the public-corpora benchmark (standard library only; pypdf if importable).

For every benchmarks/corpora/<name>/qa.jsonl it checks:
  * each line is valid JSON with the required fields and allowed values;
  * ids are unique (within the file and across corpora);
  * every expected source exists under the corpus folder (PDF pages in range; CSV records present);
  * every answer_must_include string occurs (case-insensitive, normalised) in at least one expected
    source's text (for PDFs the text of the cited page; skipped with a note if pypdf is missing);
  * follow-ups carry a history; unanswerable questions carry no answer_must_include.
  * an answerable question's facts are not all in the question (or its history): an echo would pass;
  * where a corpus has make_answers.py (record questions over a CSV log: counts, latest, most frequent),
    it is run and, for every question id it answers, answer_must_include must equal its computed facts
    and the expected CSV records must be among its computed records (instead of the text check, since a
    count does not occur in the rows it counts); every id it answers must exist in qa.jsonl.
Also checks that each corpus has LICENSE* and SOURCE.txt and that no file is over 4 MB.

Usage: python benchmarks/corpora/check_qa.py [corpus ...]      exit status 1 on any error.
"""
import csv
import io
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# the locked holdouts (benchmarks/bench_corpora.py)
LOCKED = {"linuxcnc-fr-es", "smoothieware-board", "respiraworks-ventilator"}
KINDS = {"fact", "procedure", "troubleshooting", "followup", "unanswerable"}
FIELDS = {"id", "question", "asset", "answerable", "expected_sources", "answer_must_include", "kind", "history"}
MAX_FILE = 4 * 1024 * 1024

try:
    import pypdf  # type: ignore
except Exception:  # pragma: no cover - optional
    pypdf = None

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def norm(text: str) -> str:
    """Case-fold, unify dashes, drop thousands separators and all whitespace."""
    t = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    t = re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", t)
    return re.sub(r"\s+", "", t)


_pdf_cache: dict = {}


def pdf_pages(path: Path):
    if path not in _pdf_cache:
        _pdf_cache[path] = [p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages]
    return _pdf_cache[path]


_text_cache: dict = {}
_rows_cache: dict = {}


def _read(path: Path) -> str:
    # a records file is the source of hundreds of questions: read it once, not once per question
    if path not in _text_cache:
        _text_cache[path] = path.read_text(encoding="utf-8", errors="replace")
    return _text_cache[path]


def _rows_by_id(path: Path) -> dict:
    """A CSV's rows by their first cell (a record's id), parsed once."""
    if path not in _rows_cache:
        rows: dict = {}
        for r in csv.reader(io.StringIO(_read(path))):
            if r:
                rows.setdefault(r[0], []).append(r)
        _rows_cache[path] = rows
    return _rows_cache[path]


def source_text(corpus: Path, src: dict, errors: list, where: str):
    """Return the text a fact must be found in, or None when it cannot be checked."""
    rel = src.get("source")
    if not isinstance(rel, str) or not rel:
        errors.append(f"{where}: expected source without 'source'")
        return None
    path = corpus / rel
    if not path.is_file():
        errors.append(f"{where}: source file missing: {rel}")
        return None
    if path.suffix.lower() == ".pdf":
        if pypdf is None:
            return None
        pages = pdf_pages(path)
        page = src.get("page")
        if page is None:
            return "\n".join(pages)
        if not isinstance(page, int) or not 1 <= page <= len(pages):
            errors.append(f"{where}: page {page!r} out of range for {rel} ({len(pages)} pages)")
            return None
        return pages[page - 1]
    text = _read(path)
    record = src.get("record")
    if record is not None:
        if path.suffix.lower() != ".csv":
            errors.append(f"{where}: 'record' given for a non-CSV source {rel}")
            return text
        rows = _rows_by_id(path).get(str(record), [])
        if not rows:
            errors.append(f"{where}: record {record!r} not found in {rel}")
            return None
        return "\n".join(",".join(r) for r in rows)
    return text


def check_corpus(corpus: Path, seen_ids: set) -> tuple:
    errors, notes = [], []
    stats = {"total": 0, "answerable": 0, "unanswerable": 0}
    kinds: dict = {}
    if not any(corpus.glob("LICENSE*")):
        errors.append(f"{corpus.name}: no LICENSE file")
    if not (corpus / "SOURCE.txt").is_file():
        errors.append(f"{corpus.name}: no SOURCE.txt")
    for f in corpus.rglob("*"):
        if f.is_file() and f.stat().st_size > MAX_FILE:
            errors.append(f"{corpus.name}: file over 4 MB: {f.relative_to(corpus)}")
    qa = corpus / "qa.jsonl"
    if not qa.is_file():
        errors.append(f"{corpus.name}: no qa.jsonl")
        return errors, notes, stats, kinds
    computed = computed_answers(corpus, errors)
    answered_ids = set()
    for n, line in enumerate(qa.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{corpus.name}/qa.jsonl:{n}"
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: invalid JSON ({e})")
            continue
        if not isinstance(q, dict):
            errors.append(f"{where}: not an object")
            continue
        extra = set(q) - FIELDS
        if extra:
            errors.append(f"{where}: unknown fields {sorted(extra)}")
        for req in ("id", "question", "answerable", "kind"):
            if req not in q:
                errors.append(f"{where}: missing field {req}")
        qid = q.get("id")
        where = f"{where} ({qid})"
        if qid in seen_ids:
            errors.append(f"{where}: duplicate id")
        seen_ids.add(qid)
        if not isinstance(q.get("question"), str) or not q.get("question", "").strip():
            errors.append(f"{where}: empty question")
        kind = q.get("kind")
        if kind not in KINDS:
            errors.append(f"{where}: bad kind {kind!r}")
        if not isinstance(q.get("answerable"), bool):
            errors.append(f"{where}: answerable must be true/false")
        stats["total"] += 1
        kinds[kind] = kinds.get(kind, 0) + 1
        facts = q.get("answer_must_include") or []
        sources = q.get("expected_sources") or []
        if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
            errors.append(f"{where}: expected_sources must be a list of objects")
            sources = []
        if kind == "followup":
            hist = q.get("history")
            if not (isinstance(hist, list) and hist and all(
                    isinstance(h, dict) and h.get("role") in ("user", "assistant") and isinstance(h.get("content"), str)
                    for h in hist)):
                errors.append(f"{where}: follow-up needs a history of {{role, content}} turns")
        if q.get("answerable") is False:
            stats["unanswerable"] += 1
            if kind != "unanswerable":
                errors.append(f"{where}: answerable=false but kind={kind!r}")
            if facts:
                errors.append(f"{where}: unanswerable question with answer_must_include")
            for s in sources:
                source_text(corpus, s, errors, where)
            continue
        stats["answerable"] += 1
        if kind == "unanswerable":
            errors.append(f"{where}: kind 'unanswerable' but answerable=true")
        if not sources:
            errors.append(f"{where}: answerable question without expected_sources")
        if not isinstance(facts, list) or not facts or not all(isinstance(f, str) and f.strip() for f in facts):
            errors.append(f"{where}: answerable question needs non-empty answer_must_include strings")
            continue
        history = q.get("history") if isinstance(q.get("history"), list) else []
        asked = " ".join([q["question"]] + [t.get("content", "") for t in history
                                            if isinstance(t, dict) and t.get("role") == "user"]).lower()
        # "4" is found in "press 4": a fact the question already holds cannot tell an answer from an echo
        if all(re.search(rf"(?<!\w){re.escape(' '.join(f.lower().split()))}(?!\w)", " ".join(asked.split()))
               for f in facts):
            # a locked corpus is not read to mend it (its questions stay unseen): noted, not failed
            (notes if corpus.name in LOCKED else errors).append(
                f"{where}: every fact is in the question or its history: an answer repeating it passes")
        texts = [source_text(corpus, s, errors, where) for s in sources]
        if qid in computed:
            answered_ids.add(qid)
            want = computed[qid]
            if sorted(map(norm, facts)) != sorted(map(norm, want.get("facts", []))):
                errors.append(f"{where}: answer_must_include {facts!r} differs from make_answers.py {want.get('facts')!r}")
            allowed = {str(r) for r in want.get("records", [])}
            for s in sources:
                if "record" in s and str(s["record"]) not in allowed:
                    errors.append(f"{where}: record {s['record']!r} is not among make_answers.py's records")
            continue
        if any(t is None for t in texts) and pypdf is None:
            notes.append(f"{where}: PDF text not checked (pypdf not importable)")
        checkable = [norm(t) for t in texts if t is not None]
        if not checkable:
            continue
        for fact in facts:
            nf = norm(fact)
            if not any(nf in t for t in checkable):
                errors.append(f"{where}: fact {fact!r} not found in its expected sources")
    for qid in sorted(set(computed) - answered_ids, key=str):
        errors.append(f"{corpus.name}: make_answers.py answers {qid!r}, which is not an answerable question in qa.jsonl")
    return errors, notes, stats, kinds


def computed_answers(corpus: Path, errors: list) -> dict:
    """Run the corpus's make_answers.py (if any) and return {question id: {"facts", "records"}}."""
    script = corpus / "make_answers.py"
    if not script.is_file():
        return {}
    try:
        out = subprocess.run([sys.executable, str(script)], cwd=str(corpus), capture_output=True,
                             text=True, timeout=120, check=True).stdout
        data = json.loads(out)
    except (subprocess.SubprocessError, ValueError) as e:
        errors.append(f"{corpus.name}: make_answers.py failed ({e})")
        return {}
    if not isinstance(data, dict):
        errors.append(f"{corpus.name}: make_answers.py did not print a JSON object")
        return {}
    return data


def main(argv) -> int:
    names = argv[1:] or sorted(p.name for p in ROOT.iterdir() if p.is_dir() and (p / "qa.jsonl").exists())
    seen: set = set()
    all_errors = []
    if pypdf is None:
        print("note: pypdf not importable - facts cited in PDFs are not checked")
    for name in names:
        errors, notes, stats, kinds = check_corpus(ROOT / name, seen)
        kinds_s = ", ".join(f"{k}={v}" for k, v in sorted(kinds.items(), key=lambda kv: str(kv[0])))
        print(f"{name}: {stats['total']} questions, {stats['answerable']} answerable, "
              f"{stats['unanswerable']} unanswerable ({kinds_s}) - {'OK' if not errors else f'{len(errors)} error(s)'}")
        for n in notes[:5]:
            print("  note:", n)
        for e in errors:
            print("  ERROR:", e)
        all_errors += errors
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

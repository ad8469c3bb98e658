"""Before/after check for refactors: every answer with the fake LLM, and every top-5, must stay the same.

Ingests the sample plant and ``../shared/data/external`` (real bundled embedder) into ``--work``,
answers every question of ``data/sample/qa.jsonl`` and ``benchmarks/qa_external_dev.jsonl`` with a
scripted generator whose reply depends on the whole prompt, and writes one JSON record per question
(answer text, citations, flags, route, top-5 chunk ids, a hash of every prompt the chain sent).

    .venv/bin/python benchmarks/answers_diff.py --out /tmp/before.json          # on the old commit
    .venv/bin/python benchmarks/answers_diff.py --out /tmp/after.json --against /tmp/before.json

With ``--against`` it prints each question whose record changed and exits 1 if any did.
Identical top-5 lists mean identical recall@5; identical prompts and replies mean identical answers.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_corpora import external_dir  # noqa: E402  (after the path set-up above)


def fake_reply(messages) -> str:
    """A reply that changes whenever the prompt changes: a prompt hash plus the first words of [1]."""
    prompt = "\n".join(f"{m.role}:{m.content}" for m in messages)
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:8]
    last = messages[-1].content
    start = last.find("[1]")
    words = last[start + 3:].split()[:12] if start >= 0 else []
    return f"{' '.join(words)} [1]. Prompt {digest}." if words else f"Prompt {digest}."


def container_for(data_dir: Path):
    """The product's wiring for ``data_dir`` with the scripted generator (old or new module path)."""
    from assistant.config import Settings
    from assistant.llm.fake import FakeGenerator

    try:
        from assistant.wiring import Container
    except ImportError:  # before the restructure
        from assistant.container import Container
    settings = Settings(data_dir=data_dir, llm={"mode": "fake"})
    container = Container(settings)
    container.__dict__["generator"] = FakeGenerator(fake_reply)  # the cached generator, replaced
    return container


def ingest(inputs: list[str], data_dir: Path) -> None:
    if (data_dir / "index").exists():
        return
    cmd = [sys.executable, "-c", "from assistant.cli import app; app()", "ingest", *inputs, "--data-dir", str(data_dir)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ingest into {data_dir} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def record(chain, generator, item: dict) -> dict:
    generator.calls.clear()
    asset = item.get("asset")
    # earlier turns: ``conversation=`` since the restructure, ``history=`` before it
    turns = {"conversation" if "conversation" in inspect.signature(chain.answer).parameters else "history":
             item.get("history") or []}
    # chunk ids hash the absolute path: name the chunk by file name and text so checkouts compare
    top5 = [f"{Path(s.chunk.source).name}|{s.chunk.content_hash[:10]}"
            for s in chain.retrieve(item["question"], asset=asset, k=5, **turns)]
    answer = chain.answer(item["question"], asset=asset, **turns)
    prompts = [hashlib.sha256(json.dumps([[m.role, m.content] for m in c["messages"]]).encode()).hexdigest()[:12]
               for c in generator.calls]
    return {
        "id": item["id"], "top5": top5, "text": answer.text, "route": answer.route, "abstained": answer.abstained,
        "citations": [[c.n, c.label, c.cited] for c in answer.citations],
        "flags": sorted(f"{f.kind}: {f.detail}" for f in answer.flags), "prompts": prompts,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/maintassist-answers-diff"), help="data dirs (reused)")
    ap.add_argument("--out", type=Path, required=True, help="where the records go (JSON)")
    ap.add_argument("--against", type=Path, default=None, help="an earlier --out to compare with")
    args = ap.parse_args()
    sample = ROOT / "data" / "sample"
    sets = [("sample", sample / "qa.jsonl",
             [str(sample / "manuals"), str(sample / "work_orders.csv"), str(sample / "sensors"),
              "--assets", str(sample / "assets.csv"), "--limits", str(sample / "sensors" / "limits.yaml")])]
    ext = external_dir()
    if ext is not None:
        sets.append(("external", ROOT / "benchmarks" / "qa_external_dev.jsonl", [str(ext)]))
    records: dict[str, dict] = {}
    for name, qa, inputs in sets:
        data_dir = args.work / name
        ingest(inputs, data_dir)
        container = container_for(data_dir)
        items = [json.loads(line) for line in qa.read_text().splitlines() if line.strip()]
        for item in items:
            records[f"{name}/{item['id']}"] = record(container.chain, container.generator, item)
        print(f"{name}: {len(items)} questions", file=sys.stderr)
    args.out.write_text(json.dumps(records, indent=1, ensure_ascii=False))
    if args.against is None:
        return
    before = json.loads(args.against.read_text())
    changed = [k for k in sorted(set(before) | set(records)) if before.get(k) != records.get(k)]
    for key in changed:
        print(f"CHANGED {key}\n  before: {json.dumps(before.get(key), ensure_ascii=False)[:600]}"
              f"\n  after:  {json.dumps(records.get(key), ensure_ascii=False)[:600]}")
    print(f"{len(records)} questions, {len(changed)} changed")
    sys.exit(1 if changed else 0)


if __name__ == "__main__":
    main()

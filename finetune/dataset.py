"""Build the supervised fine-tuning set from the indexed chunks, split by source document.

Steps (``DatasetBuilder.build``):
1. group chunks by the document they come from (a manual file; one work order; one sensor summary);
2. assign whole groups to train / val / test, per doc type, seeded: no document is in two splits;
3. per chunk, mine templated facts (``finetune.examples``) and place the chunk among 2-4 distractor
   chunks *of the same split*, numbered like the answer chain numbers its sources;
4. for some facts, a decline example: the same question with the target chunk removed;
5. check every example mechanically (``check_example``); rejects are counted, never used.

>>> result = DatasetBuilder(DatasetConfig(seed=0)).build(store.chunks())  # doctest: +SKIP
>>> write_dataset(result, Path("finetune-out"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from finetune.examples import (DECLINE, Example, Fact, check_example, facts_from_sensor, facts_from_text,
                               facts_from_work_order, numbers, subject_of)

SPLITS = ("train", "val", "test")


@dataclass
class DatasetConfig:
    """How examples are made. ``source_chars`` matches the answer chain's per-source budget."""

    seed: int = 0
    min_distractors: int = 2
    max_distractors: int = 4
    decline_fraction: float = 0.2  # share of facts that also yield a "not in the documents" example
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    max_facts_per_chunk: int = 3  # a long table must not dominate the set
    source_chars: int = 700
    doc_types: tuple[str, ...] = ("manual", "work_order", "sensor")

    def __post_init__(self) -> None:
        if not 0 <= self.min_distractors <= self.max_distractors:
            raise ValueError("need 0 <= min_distractors <= max_distractors")
        if self.val_fraction < 0 or self.test_fraction < 0 or self.val_fraction + self.test_fraction >= 1:
            raise ValueError("val_fraction + test_fraction must be in [0, 1)")


@dataclass
class BuildResult:
    examples: list[Example]
    rejected: Counter = field(default_factory=Counter)  # reason -> count
    groups: dict[str, str] = field(default_factory=dict)  # group key -> split

    @property
    def hash(self) -> str:
        return dataset_hash(self.examples)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter] = {s: Counter() for s in SPLITS}
        for ex in self.examples:
            out[ex.split][ex.kind] += 1
        return {s: dict(sorted(c.items())) for s, c in out.items()}


def group_key(chunk: Any) -> str:
    """The source document of a chunk: the file for manuals, file#record for work orders/sensors/records."""
    name = chunk.source.rsplit("/", 1)[-1]
    return f"{name}#{chunk.record_id}" if chunk.doc_type != "manual" and chunk.record_id else name


def assign_splits(sizes: dict[str, tuple[str, int]], val: float, test: float, seed: int) -> dict[str, str]:
    """Whole groups to splits. ``sizes``: group -> (stratum, example count).

    Within each stratum (doc type) groups are ordered by a seeded hash and fill test, then val, up to
    their share of that stratum's examples; the rest is train. A stratum with fewer than three
    groups stays in train (it cannot be split without emptying train).
    """
    strata: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, (stratum, n) in sizes.items():
        strata[stratum].append((key, n))
    out: dict[str, str] = {}
    for groups in strata.values():
        groups.sort(key=lambda g: hashlib.sha256(f"{seed}:{g[0]}".encode()).hexdigest())
        total = sum(n for _, n in groups) or 1
        quota = {"test": test * total, "val": val * total} if len(groups) >= 3 else {}
        filled = Counter()
        for key, n in groups:
            split = next((s for s in ("test", "val") if s in quota and filled[s] < quota[s]
                          and not (filled[s] and filled[s] + n > 1.5 * quota[s])), "train")
            out[key] = split
            filled[split] += n
    return out


class DatasetBuilder:
    """Chunks (plus optional curated / thumbs-up examples) -> checked, split examples."""

    def __init__(self, config: DatasetConfig | None = None) -> None:
        self.config = config or DatasetConfig()

    def build(self, chunks: Sequence[Any], curated: Iterable[Example] = (),
              feedback: Iterable[Example] = ()) -> BuildResult:
        cfg = self.config
        rng = random.Random(cfg.seed)
        chunks = sorted((c for c in chunks if c.doc_type in cfg.doc_types), key=lambda c: c.chunk_id)
        facts = {c.chunk_id: rng.sample(fs, min(len(fs), cfg.max_facts_per_chunk))
                 for c in chunks if (fs := _facts(c))}
        sizes: dict[str, tuple[str, int]] = {}
        for c in chunks:
            _, n = sizes.get(group_key(c), (c.doc_type, 0))
            sizes[group_key(c)] = (c.doc_type, n + len(facts.get(c.chunk_id, [])))
        groups = assign_splits(sizes, cfg.val_fraction, cfg.test_fraction, cfg.seed)
        pools: dict[str, list[Any]] = defaultdict(list)
        for c in chunks:
            pools[groups[group_key(c)]].append(c)

        result = BuildResult(examples=[], groups=groups)
        for c in chunks:
            split = groups[group_key(c)]
            for fact in facts.get(c.chunk_id, []):
                self._keep(result, self._answerable(fact, c, pools[split], rng), split)
                if rng.random() < cfg.decline_fraction:
                    self._keep(result, self._decline(fact, c, pools[split], rng), split)
        for ex in list(curated) + list(feedback):
            self._keep(result, ex, ex.split or _split_for_labels(ex, groups))
        return result

    def _keep(self, result: BuildResult, ex: Example | None, split: str) -> None:
        if ex is None:
            result.rejected["no distractors available"] += 1
            return
        reason = check_example(ex)
        if reason:
            result.rejected[reason.split(" (")[0].split("'")[0].strip()] += 1
            return
        ex.split = split
        result.examples.append(ex)

    def _context(self, target: Any | None, pool: list[Any], rng: random.Random,
                 exclude: Any) -> list[Any] | None:
        others = [c for c in pool if group_key(c) != group_key(exclude) and c.text != exclude.text]
        k = rng.randint(self.config.min_distractors, self.config.max_distractors) + (target is None)
        if len(others) < max(1, self.config.min_distractors):
            return None
        # Half the distractors from the same doc type / asset: look-alike sources teach picking the right one.
        near = [c for c in others if c.doc_type == exclude.doc_type and c.asset == exclude.asset]
        chosen = rng.sample(near, min(len(near), k // 2))
        rest = [c for c in others if c not in chosen]
        chosen += rng.sample(rest, min(len(rest), k - len(chosen)))
        context = chosen + ([target] if target is not None else [])
        rng.shuffle(context)
        return context

    def _sources(self, context: list[Any], question: str) -> list[dict[str, str]]:
        from assistant.prompts import compress, sanitize

        return [{"label": c.citation_label(), "text": compress(sanitize(c.text)[0], question, self.config.source_chars)}
                for c in context]

    def _answerable(self, fact: Fact, chunk: Any, pool: list[Any], rng: random.Random) -> Example | None:
        context = self._context(chunk, pool, rng, exclude=chunk)
        if context is None:
            return None
        n = context.index(chunk) + 1
        return Example(question=fact.question, sources=self._sources(context, fact.question),
                       answer=fact.answer.replace("{n}", f"[{n}]"), kind=fact.kind, target=n,
                       group=group_key(chunk), meta={"chunk_id": chunk.chunk_id})

    def _decline(self, fact: Fact, chunk: Any, pool: list[Any], rng: random.Random) -> Example | None:
        context = self._context(None, pool, rng, exclude=chunk)
        if context is None:
            return None
        sources = self._sources(context, fact.question)
        facts_in = numbers(fact.answer.replace("{n}", ""))
        if facts_in and all(x in " ".join(s["text"] for s in sources) for x in facts_in):
            return None  # another source happens to hold the same values: not a clean decline
        return Example(question=fact.question, sources=sources, answer=DECLINE, kind="decline", target=None,
                       group=group_key(chunk), meta={"removed_chunk_id": chunk.chunk_id})


def _facts(chunk: Any) -> list[Fact]:
    if chunk.doc_type == "work_order":
        return facts_from_work_order(chunk.text)
    if chunk.doc_type == "sensor":
        return facts_from_sensor(chunk.text)
    return facts_from_text(chunk.text, doc_type=chunk.doc_type, subject=subject_of(chunk.title, chunk.asset),
                           section=chunk.section)


def _split_for_labels(ex: Example, groups: dict[str, str]) -> str:
    """A curated example joins the split of a document its sources name (file, or file#record)."""
    for src in ex.sources:
        parts = src.get("label", "").split(" \u00b7 ")
        for key in ((f"{parts[0]}#{parts[1]}",) if len(parts) > 1 else ()) + (parts[0],):
            if groups.get(key, "train") != "train":
                return groups[key]
    return "train"


def load_curated(path: Path) -> list[Example]:
    """User examples, one JSON object a line: ``{question, sources: [{label, text}], answer}``."""
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sources = [{"label": str(s["label"]), "text": str(s["text"])} for s in row["sources"]]
            ex = Example(question=str(row["question"]), sources=sources, answer=str(row["answer"]),
                         kind="decline" if row.get("decline") else "curated", split=str(row.get("split", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}, line {lineno}: not a curated example ({exc!r}); "
                             "expected {question, sources: [{label, text}], answer}") from exc
        if ex.split and ex.split not in SPLITS:
            raise ValueError(f"{path}, line {lineno}: split must be one of {SPLITS}, got {ex.split!r}")
        ex.group = "curated:" + (sources[0]["label"] if sources else str(lineno))
        out.append(ex)
    return out


def dataset_hash(examples: Sequence[Example]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps(ex.to_dict(), sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def write_dataset(result: BuildResult, out_dir: Path, config: DatasetConfig | None = None) -> tuple[Path, Path]:
    """``dataset.jsonl`` (one example a line) and ``splits.json`` (hash, counts, groups, rejects), atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n" for ex in result.examples)
    by_split: dict[str, list[str]] = {s: [] for s in SPLITS}
    for key, split in sorted(result.groups.items()):
        by_split[split].append(key)
    meta = {"dataset_hash": result.hash, "counts": result.counts(), "rejected": dict(result.rejected),
            "groups": by_split, "config": asdict(config) if config else None}
    return (_atomic_write(out_dir / "dataset.jsonl", lines),
            _atomic_write(out_dir / "splits.json", json.dumps(meta, indent=2, sort_keys=True)))


def read_dataset(path: Path) -> list[Example]:
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        try:
            out.append(Example.from_dict(json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}, line {lineno}: not a dataset example ({exc})") from exc
    return out


def _atomic_write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path

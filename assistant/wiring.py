"""Wiring: the one place that reads Settings and builds the product's parts.

Built lazily on first access: ``maintassist search`` never loads the LLM, ``maintassist users add`` no embedder.
"""

from __future__ import annotations

import json
import sys
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from assistant.config import Settings, SettingsFile


class Container:
    def __init__(self, settings: Settings, *, reembed_index: bool = False) -> None:
        from assistant.private_files import private_dir

        self.settings = settings
        # Writing commands (ingest) re-embed an index built with another embedder when they open it;
        # reading commands refuse it with a one-line message, since re-embedding may take minutes.
        self.reembed_index = reembed_index
        private_dir(settings.data_dir)  # password hashes, conversations, secrets: owner only

    # ---- index --------------------------------------------------------------------
    @cached_property
    def embedder(self):
        cfg = self.settings.embedding
        if cfg.mode == "fake":
            from index.embedder import FakeHashEmbedder

            return FakeHashEmbedder()
        if cfg.mode == "path":
            if cfg.path is None:
                raise ValueError("embedding.mode=path needs embedding.path (MAINTASSIST_EMBEDDING__PATH)")
            model_dir = cfg.path
        else:
            from assistant.models import embedding_model_dir

            model_dir = embedding_model_dir()
        if cfg.backend == "torch":
            from index.embedder import SentenceTransformerEmbedder

            return SentenceTransformerEmbedder(model_dir, batch_size=cfg.batch_size, device=cfg.device)
        from assistant.models import file_sha256, onnx_embedding_path
        from index.embedder import weights_file
        from index.onnx_embedder import OnnxEmbedder

        cache = self.settings.model_cache_dir
        sha = file_sha256(weights_file(model_dir), cache)  # hashed once per data dir, then by size + mtime
        return OnnxEmbedder(model_dir, partial(onnx_embedding_path, model_dir, cfg.backend, sha, cache),
                            weights_sha256=sha, variant=cfg.backend, batch_size=cfg.batch_size)

    @cached_property
    def context_embedder(self):
        """What ranks the lines the LLM reads: the index's embedder, the multilingual one, or a choice by language."""
        a, cfg = self.settings.answer, self.settings.embedding
        if a.context_embedder == "index" or cfg.mode == "fake":
            return self.embedder
        from assistant.answer.grounding.context import ReaderChoice
        from assistant.models import E5_WEIGHTS, bundled_file_path
        from index.e5_embedder import E5Embedder
        from ingest.tokens import MiniLMTokenCounter

        e5 = E5Embedder(partial(bundled_file_path, E5_WEIGHTS, self.settings.model_cache_dir))
        counter = MiniLMTokenCounter(cfg.path if cfg.mode == "path" else None)  # the index embedder's tokenizer
        return e5 if a.context_embedder != "auto" else ReaderChoice(self.embedder, e5, counter, a.context_max_pieces)

    @cached_property
    def store(self):
        from index.store import IndexStore

        s = self.settings
        store = IndexStore.open(
            s.index_dir, self.embedder, kind=s.index.kind, approx_threshold=s.index.approx_threshold,
            hnsw_m=s.index.hnsw_m, hnsw_ef_search=s.index.hnsw_ef_search, ivf_nlist=s.index.ivf_nlist,
            ivf_nprobe=s.index.ivf_nprobe, use_gpu=s.index.use_gpu,
            chunking={"chunk_tokens": s.ingest.chunk_tokens, "overlap_tokens": s.ingest.chunk_overlap_tokens},
            on_mismatch="reembed" if self.reembed_index else "error")
        store.on_refresh(self._reload_registry)  # a running server learns the assets a new ingest added
        return store

    @cached_property
    def retriever(self):
        r = self.settings.retrieval
        return self.store.retriever(rrf_k=r.rrf_k, candidates=r.candidates, dense_weight=r.dense_weight,
                                    bm25_weight=r.bm25_weight, fusion=r.fusion, alpha=r.alpha)

    # ---- ingest -------------------------------------------------------------------
    @property
    def registry_path(self) -> Path:
        return self.settings.data_dir / "assets.json"

    @cached_property
    def registry(self):
        from ingest.assets import AssetRegistry

        registry = AssetRegistry()
        if self.registry_path.exists():
            registry = AssetRegistry.from_dict(json.loads(self.registry_path.read_text(encoding="utf-8")))
        if self.settings.ingest.asset_registry_file:
            registry.load(self.settings.ingest.asset_registry_file)
        return registry

    def _reload_registry(self) -> None:
        if "registry" in self.__dict__:  # only a registry already handed out needs the new assets
            from ingest.assets import AssetRegistry

            self.registry.merge(AssetRegistry.open(self.registry_path))

    @cached_property
    def chunker(self):
        from ingest.chunking import Chunker

        return Chunker(self.settings.ingest.chunk_tokens, self.settings.ingest.chunk_overlap_tokens)

    @cached_property
    def ingest_pipeline(self):
        from ingest.pipeline import IngestPipeline
        from ingest.ports import OpenOnFirstWrite

        s = self.settings.ingest
        return IngestPipeline(
            self.store, OpenOnFirstWrite(lambda: self.work_orders), self.chunker, max_file_mb=s.max_file_mb,
            registry=self.registry, registry_path=self.registry_path, column_mapping=s.column_mapping_file,
            sensor_window=s.sensor_window, sensor_limits=s.sensor_limits_file, journal=self.ingest_journal,
            config_files={path: what for path, what in ((s.sensor_limits_file, "sensor limits"),
                                                        (s.column_mapping_file, "column mapping"),
                                                        (s.asset_registry_file, "asset registry")) if path},
        )

    @cached_property
    def ingest_journal(self):
        from ingest.journal import IngestJournal

        data = self.settings.data_dir
        return IngestJournal(data / "ingest-journal", data / "ingest.lock", wait_s=self.settings.ingest.lock_wait_s,
                             notify=lambda line: print(line, file=sys.stderr))

    # ---- database -----------------------------------------------------------------
    @cached_property
    def engine(self):
        from assistant.db.session import make_engine, upgrade

        upgrade(self.settings.database_url)
        return make_engine(self.settings.database_url)

    @cached_property
    def session_factory(self):
        from assistant.db.session import session_factory

        return session_factory(self.engine)

    @cached_property
    def audit(self):
        from assistant.db.anchor import AuditAnchor
        from assistant.db.audit import AuditLog

        return AuditLog(self.session_factory, anchor=AuditAnchor(self.settings.audit_key_path))

    @cached_property
    def work_orders(self):
        from assistant.history.answer import WorkOrderStore

        return WorkOrderStore(self.session_factory)

    # ---- answering ----------------------------------------------------------------
    @cached_property
    def generator(self):
        from assistant.llm.factory import build_generator

        return build_generator(self.settings.llm.mode, **generator_values(self.settings))

    @cached_property
    def judge(self):
        """The answerability judge (``answer.judge``), or None when off."""
        from assistant.answer.grounding.judge import AnswerabilityJudge
        from assistant.answer.grounding.probe import probe_for
        from assistant.llm.factory import build_yes_no

        if (a := self.settings.answer).judge == "off":
            return None
        llm = self.settings.llm
        scorer = build_yes_no(a.judge, model=a.judge_model, cache_dir=self.settings.model_cache_dir, n_ctx=llm.n_ctx,
                              threads=llm.threads, seed=llm.seed, base_url=llm.base_url, api_key=llm.api_key,
                              server_model=llm.server_model)
        return AnswerabilityJudge(scorer, threshold=a.judge_threshold, open_threshold=a.judge_open_threshold,
                                  prior_weight=a.judge_prior_weight, number_share=a.judge_number_share,
                                  probe=probe_for(a.judge_probe, a.judge_model), value_probe=a.judge_value_probe)

    @cached_property
    def chain(self):
        from assistant.answer.chain import AnswerChain
        from assistant.answer.compose import AnswerComposer
        from assistant.answer.generate import SourcedGenerator
        from assistant.answer.grounding.citations import CitationChecker
        from assistant.answer.grounding.context import ContextSelector
        from assistant.answer.grounding.evidence import EvidenceGate
        from assistant.answer.rag import EvidenceCheck, RagAnswerer
        from assistant.answer.routes import SensorRoute, WorkOrderRoute, records_route
        from assistant.answer.scope import QuestionScope, ScopedRetriever, SectionIndex
        from assistant.history.answer import HistoryAnswerer, HistoryQueryParser
        from assistant.sensors import SensorAnswerer

        a, r, registry = self.settings.answer, self.settings.retrieval, self.registry
        rag = RagAnswerer(
            ScopedRetriever(self.retriever, candidates=r.candidates, rrf_k=r.rrf_k, registry=registry),
            EvidenceCheck(EvidenceGate(a.min_dense_score, a.min_term_coverage,
                                       word_checks=a.judge == "off" if a.word_checks is None else a.word_checks),
                          self.retriever, registry, paraphrase_score=a.paraphrase_score),
            SourcedGenerator(self.generator, max_tokens=self.settings.llm.max_tokens, source_chars=a.source_chars,
                             prompt_turns=a.prompt_turns, selector=None if a.context_selection == "word_overlap" else
                             ContextSelector(self.context_embedder, a.context_long_line, self.retriever.term_shares
                                             if a.context_selection == "meaning_and_terms" else None)),
            AnswerComposer(CitationChecker(a.support_threshold, drop_unsupported=True), quote_lines=a.quote_lines,
                           quote_following=a.quote_following, term_shares=self.retriever.term_shares,
                           common_terms=lambda: self.retriever.common_terms(a.common_term_share),
                           support_quotes=a.support_quotes, second_source_margin=a.second_source_margin,
                           document_passages=a.document_passages, reply_source_margin=a.reply_source_margin),
            registry=registry, sections=SectionIndex(self.store.chunks, max_chunks=r.answer_section_chunks), k=r.k,
            judge=self.judge, judge_source_chars=a.judge_source_chars, judge_skips_bound=a.judge_skips_bound,
            prompt_score_share=a.prompt_score_share,
            quote_terms=self.retriever.term_shares if a.quote_selection == "meaning_and_terms" else None)
        routes = [WorkOrderRoute(HistoryQueryParser(registry, store=self.work_orders),
                                 HistoryAnswerer(self.work_orders, max_cited=a.work_order_rows_cited)),
                  SensorRoute(SensorAnswerer(self.store.chunks, registry=registry))]  # reads the live index version
        routes += [records_route(self.store.chunks, self.retriever, max_cited=a.work_order_rows_cited,
                                 k=a.record_tables_depth)] if a.record_tables else []  # repair logs, FMEA sheets
        if a.work_order_plan:
            from assistant.answer.routes import WorkOrderPlanRoute
            from assistant.history.plan_prompt import WorkOrderAnalytics
            analytics = WorkOrderAnalytics(self.generator, self.session_factory, registry,
                                           max_tokens=self.settings.llm.max_tokens, max_cited=a.work_order_rows_cited)
            routes.insert(1, WorkOrderPlanRoute(analytics, self.retriever, probe_k=r.k, min_share=a.work_order_plan_share))
        return AnswerChain(QuestionScope(registry, conversation_turns=a.conversation_turns), routes, rag,
                           prompt_version=a.prompt_version, corpus_terms=self.retriever.term_shares)

    @cached_property
    def procedures(self):
        from assistant.answer.scope import SectionIndex
        from assistant.procedures.builder import ProcedureBuilder

        # whole sections: a procedure or a lock-out list split over chunks keeps every step
        sections = SectionIndex(self.store.chunks, max_chunks=self.settings.retrieval.section_chunks)
        return ProcedureBuilder(self.retriever, self.work_orders, generator=None, registry=self.registry,
                                sections=sections)


def generator_values(settings: Settings) -> dict[str, Any]:
    """``build_generator``'s arguments (all but the mode) from the settings."""
    llm = settings.llm
    return dict(model=llm.model, cache_dir=settings.model_cache_dir, n_ctx=llm.n_ctx, threads=llm.threads,
                max_tokens=llm.max_tokens, temperature=llm.temperature, seed=llm.seed, lora_adapter=llm.lora_adapter,
                base_url=llm.base_url, api_key=llm.api_key, server_model=llm.server_model, device=llm.device,
                flash_attn=llm.flash_attn, isolate=llm.isolate, log_dir=settings.data_dir / "logs",
                start_timeout_s=llm.start_timeout_s)


def container_from(data_dir: Path | None = None, *, reembed_index: bool = False,
                   **ingest_overrides: object) -> Container:
    """The Container for the settings file + environment; ``data_dir`` and ingest options (a command's
    ``--data-dir``, ``--limits`` ...) take precedence. The CLI and the chat app both start here.
    ``reembed_index`` (ingest only): an index built with another embedder is re-embedded, not refused."""
    settings = load_settings(**({"data_dir": data_dir} if data_dir is not None else {}))
    values = {k: v for k, v in ingest_overrides.items() if v is not None}
    if values:
        settings = settings.model_copy(update={"ingest": settings.ingest.model_copy(update=values)})
    return Container(settings, reembed_index=reembed_index)


def load_settings(settings_file: Path | None = None, **overrides: Any) -> Settings:
    """Build Settings from a YAML file (``MAINTASSIST_SETTINGS`` or the argument), env and overrides."""
    import yaml

    path = settings_file or SettingsFile().settings
    file_values: dict[str, Any] = {}
    if path is not None:
        if not path.exists():
            raise FileNotFoundError(f"settings file not found: {path}")
        file_values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(file_values, dict):
            raise ValueError(f"{path}: settings file must hold a mapping at the top level")
    env_settings = Settings(**overrides)  # env + explicit overrides
    if not file_values:
        return env_settings
    # File values fill whatever the environment and overrides left at defaults.
    merged = _deep_merge(file_values, env_settings.model_dump(exclude_defaults=True))
    return Settings(**merged)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out

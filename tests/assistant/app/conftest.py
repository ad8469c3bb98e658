"""App test fixtures. Chainlit writes a default project (.chainlit/, .files/) into its app root on
import, so point that at a temp folder before anything imports chainlit."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("CHAINLIT_APP_ROOT", tempfile.mkdtemp(prefix="maintassist-chainlit-"))


@dataclass
class FakeContainer:
    """What AppServices reads from the real Container: settings and a session factory."""

    settings: object
    session_factory: object


@pytest.fixture
def services(tmp_path: Path):
    from assistant.app.fakes import FakeAnswerChain
    from assistant.app.services import AppServices
    from assistant.config import Settings
    from assistant.db.session import make_engine, session_factory, upgrade

    settings = Settings(data_dir=tmp_path)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    yield AppServices(FakeContainer(settings, session_factory(engine)), chain=FakeAnswerChain())
    engine.dispose()

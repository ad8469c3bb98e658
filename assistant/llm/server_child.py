"""Entry point of the model's child process (``LlamaServer`` starts it): die with the parent, then serve.

``python -m assistant.llm.server_child --config_file FILE`` runs llama-cpp-python's OpenAI-compatible
server. PR_SET_PDEATHSIG makes the kernel stop this process when the thread that started it goes away,
so a killed chat server never leaves a model process behind holding 600 MB and two cores.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys


def set_pdeathsig(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent (thread) ends. Linux only."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, sig)


def die_with_parent() -> None:
    set_pdeathsig()
    expected = os.environ.get("MAINTASSIST_PARENT_PID")
    if expected and os.getppid() != int(expected):
        sys.exit(0)  # the parent died before the line above took effect


def drop_settings_env() -> list[str]:
    """Remove environment variables that llama-cpp-python's server would read as its settings.

    Its settings are pydantic ``BaseSettings``: any variable named like a field (``CACHE``,
    ``N_GPU_LAYERS``, ``CHAT_FORMAT``, any case) overrides what our config file leaves unset, and a
    ``CACHE=/some/dir`` meant for another program stopped the child at start-up with "validation
    error for ConfigFileSettings models.0.cache". Our config file is the one source of its settings.
    """
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    fields = set(ModelSettings.model_fields) | set(ServerSettings.model_fields)
    dropped = [name for name in os.environ if name.lower() in fields]
    for name in dropped:
        del os.environ[name]
    return dropped


def main() -> None:
    die_with_parent()
    drop_settings_env()
    sys.argv = ["llama_cpp.server", *sys.argv[1:]]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

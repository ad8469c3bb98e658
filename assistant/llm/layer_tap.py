"""One layer's output at the last position of a llama.cpp evaluation, read through its eval callback.

llama-cpp-python's ``Llama`` gives the final hidden state only (``llama_get_embeddings_ith``). The judge's probe
reads a middle layer, which told answerable from unanswerable questions better than the last one when each
development corpus was left out (benchmarks/README.md, "A middle layer of the judge"). llama.cpp names every
layer's output ``l_out-<i>`` in its graph; with an eval callback set it asks the callback, node by node, whether
it wants a node, and hands over each wanted one once computed.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")
# Llama takes no eval callback: its context parameters come from this function, swapped while one is built
_BUILD_LOCK = threading.Lock()


class LayerTap:
    """Captures layer ``layer``'s output for the last position of the batches evaluated while armed.

    >>> tap = LayerTap()
    >>> tap.arm(14, 1536); tap.wanted, tap.value
    (b'l_out-14', None)
    >>> tap.disarm(); tap.wanted is None
    True
    """

    def __init__(self) -> None:
        import llama_cpp

        self.wanted: bytes | None = None
        self.width = 0
        self.value: Any = None
        # kept on the instance: llama.cpp holds only the C pointer, a collected callback would crash it
        self.callback = llama_cpp.ggml_backend_sched_eval_callback(self._on_node)

    def arm(self, layer: int, width: int) -> None:
        """Capture ``l_out-<layer>`` (``width`` values a position) from the next evaluation on."""
        self.wanted, self.width, self.value = f"l_out-{layer}".encode(), width, None

    def disarm(self) -> None:
        self.wanted = None

    def _on_node(self, tensor: int, ask: bool, _user: int) -> bool:
        if self.wanted is None:
            return False
        ggml = _ggml()
        if ggml.ggml_get_name(tensor) != self.wanted:
            return False
        if ask:
            return True
        import numpy as np

        n = ggml.ggml_nelements(tensor)
        # a layer's output is float32, one row of ``width`` per position; the batch's last position is wanted
        self.value = np.ctypeslib.as_array(ggml.ggml_get_data_f32(tensor), shape=(n,))[-self.width:].copy()
        return True


def build_with_tap(build: Callable[[], T], tap: LayerTap) -> T:
    """``build()`` (a ``Llama(...)``) with ``tap`` as its context's eval callback."""
    import llama_cpp.llama as llama_module

    with _BUILD_LOCK:
        defaults = llama_module.llama_cpp.llama_context_default_params

        def with_callback():
            params = defaults()
            params.cb_eval, params.cb_eval_user_data = tap.callback, None
            return params

        llama_module.llama_cpp.llama_context_default_params = with_callback
        try:
            return build()
        finally:
            llama_module.llama_cpp.llama_context_default_params = defaults


_GGML: Any = None


def _ggml() -> Any:
    """libggml as llama-cpp-python ships and loads it, with the three tensor accessors typed."""
    global _GGML
    if _GGML is None:
        from llama_cpp._ggml import libggml

        libggml.ggml_get_name.restype, libggml.ggml_get_name.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
        libggml.ggml_nelements.restype, libggml.ggml_nelements.argtypes = ctypes.c_int64, [ctypes.c_void_p]
        libggml.ggml_get_data_f32.restype = ctypes.POINTER(ctypes.c_float)
        libggml.ggml_get_data_f32.argtypes = [ctypes.c_void_p]
        _GGML = libggml
    return _GGML

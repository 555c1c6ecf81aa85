"""Routes the native log sink (wire traces of "logtrace", errors) to the logger
``provisioning_device_client``; with no handler configured anywhere, lines still reach
stderr so a plain script sees its traces (as the legacy package printed them)."""

from __future__ import annotations

import logging
import sys

from ._native import ffi, lib

logger = logging.getLogger("provisioning_device_client")
_LEVELS = {lib.PDC_LOG_ERROR: logging.ERROR, lib.PDC_LOG_INFO: logging.INFO, lib.PDC_LOG_TRACE: logging.DEBUG}


@ffi.def_extern()
def _pdc_log_sink(level, message, context):  # type: ignore[no-untyped-def]
    # Runs on the C thread that logs; cffi holds the GIL. Never raise into C.
    try:
        text = ffi.string(message).decode("utf-8", "replace")
        py_level = _LEVELS.get(level, logging.INFO)
        if logger.hasHandlers():
            logger.log(py_level, "%s", text)
        elif py_level >= logging.INFO or logger.isEnabledFor(py_level) or logger.level == logging.NOTSET:
            print(text, file=sys.stderr, flush=True)
    except Exception:  # pragma: no cover - logging must never break the client
        pass


_installed = False


def install() -> None:
    """Install the sink once per process (idempotent)."""
    global _installed
    if not _installed:
        lib.pdc_log_set_sink(lib._pdc_log_sink, ffi.NULL)
        _installed = True

"""Fault injection for tests of crash containment.

When ``PARLEY_ENGINE_FAULT_MARKER`` is set, an item whose bytes hold the marker makes the
engine process exit at once, as a crash in a native decoder or in CTranslate2 would. Unset
(always, outside tests), this does nothing.
"""

import logging
import os

logger = logging.getLogger(__name__)

# The exit status of an injected crash (EX_SOFTWARE).
CRASH_STATUS = 70


def crash_if_marked(data: bytes) -> None:
    """Exits the process when the fault marker is set and ``data`` holds it."""
    marker = os.environ.get("PARLEY_ENGINE_FAULT_MARKER", "").encode()
    if marker and marker in data:
        logger.error("injected fault: an item holds the fault marker; exiting")
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(CRASH_STATUS)

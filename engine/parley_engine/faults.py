"""Fault injection for tests of crash containment and call deadlines.

When ``PARLEY_ENGINE_FAULT_MARKER`` is set, an item whose bytes hold the marker makes the
engine process exit at once, as a crash in a native decoder or in CTranslate2 would. When
``PARLEY_ENGINE_FAULT_PIECE_DELAY`` is set, each piece of a long item takes that many more
seconds, as on a slow machine. Unset (always, outside tests), these do nothing.
"""

import logging
import os
import time

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


def delay_piece() -> None:
    """Sleeps ``PARLEY_ENGINE_FAULT_PIECE_DELAY`` seconds when it is set."""
    raw = os.environ.get("PARLEY_ENGINE_FAULT_PIECE_DELAY", "")
    if raw:
        time.sleep(float(raw))

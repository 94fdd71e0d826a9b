"""The C allocator's settings for a long-running engine process.

glibc raises its mmap threshold each time a large block is freed (up to 32 MiB), so after
the first few pieces of a long item every audio buffer, mel spectrogram and encoder output
is carved from the heap instead of mapped on its own, and the heap fragments: on an hour of
audio the process's peak grew by about 140 MiB over an 11-minute file. A fixed threshold
keeps blocks of ``MMAP_THRESHOLD_BYTES`` and more mapped, and returned to the system when
freed, so the peak stays flat with the duration (hour 464 MiB against 11 minutes 390 MiB)
and the 60-clip benchmark's peak halves. 4 MiB rather than glibc's 128 KiB floor: at 1 MiB
the page faults of mapping every mel spectrogram anew cost a long item 70 % more time.
"""

import ctypes
import logging

logger = logging.getLogger(__name__)

# mallopt's parameter numbers (glibc's malloc.h).
M_MMAP_THRESHOLD = -3
# Blocks this large and larger are mapped on their own.
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024


def fix_mmap_threshold() -> bool:
    """Fixes glibc's mmap threshold; False (and nothing changed) where the C library is not glibc."""
    try:
        # The process's own symbols, the C library's among them (find_library would run ldconfig).
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        logger.info("no mallopt in this C library; allocator left as it is")
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1

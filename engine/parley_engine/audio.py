"""Audio decoding: any container ffmpeg reads, through PyAV, to 16 kHz mono float32.

Decoding is bounded by ``PARLEY_MAX_AUDIO_SECONDS``: a duration the container declares is
checked before anything is decoded, and the decode itself stops as soon as it passes the
limit, so a file that hides or understates its length costs at most the limit's samples.
"""

import io
import logging
import os
from typing import Iterator, List, Optional

import numpy as np

from .errors import EngineError, invalid_audio

logger = logging.getLogger(__name__)

SAMPLING_RATE = 16000
# The longest audio an item may hold unless PARLEY_MAX_AUDIO_SECONDS says otherwise: 4 hours.
DEFAULT_MAX_AUDIO_SECONDS = 4 * 3600.0
# Samples a whole decode converts to float32 at a time (the int16 it holds meanwhile is half).
DECODE_BLOCK_SECONDS = 60.0


def max_audio_seconds() -> float:
    """The configured limit on one item's duration, in seconds."""
    raw = os.environ.get("PARLEY_MAX_AUDIO_SECONDS", "")
    try:
        value = float(raw) if raw else DEFAULT_MAX_AUDIO_SECONDS
    except ValueError:
        logger.warning("PARLEY_MAX_AUDIO_SECONDS=%r is not a number; using %s", raw, DEFAULT_MAX_AUDIO_SECONDS)
        return DEFAULT_MAX_AUDIO_SECONDS
    return value if value > 0 else DEFAULT_MAX_AUDIO_SECONDS


def too_long(limit: float, seconds: Optional[float] = None) -> EngineError:
    lasts = f"lasts {seconds:.0f} s" if seconds is not None else "lasts longer"
    return EngineError(
        "input_too_long", f"the audio {lasts} than the limit of {limit:.0f} s (PARLEY_MAX_AUDIO_SECONDS)"
    )


def decode(data: bytes, max_seconds: Optional[float] = None) -> np.ndarray:
    """Decodes raw bytes of any ffmpeg-readable container whole; raises ``invalid_audio``,
    ``input_too_long``, or the retryable ``engine_out_of_memory``."""
    parts = list(blocks(data, DECODE_BLOCK_SECONDS, max_seconds))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def blocks(data: bytes, block_seconds: float, max_seconds: Optional[float] = None) -> Iterator[np.ndarray]:
    """Decodes in float32 blocks of ``block_seconds`` (the last one shorter), so a caller that
    handles one block at a time holds one block's samples, whatever the duration. Raises what
    ``decode`` raises, the duration errors as soon as the decode passes the limit."""
    if not data:
        raise invalid_audio("the audio is empty")
    limit = max_audio_seconds() if max_seconds is None else max_seconds
    try:
        yield from _blocks_bounded(data, limit, max(1, int(block_seconds * SAMPLING_RATE)))
    except EngineError:
        raise
    except MemoryError as exc:
        # The machine's state, not the input's fault: worth another attempt, maybe elsewhere.
        logger.error("out of memory decoding %d bytes of audio", len(data))
        raise EngineError("engine_out_of_memory", "the engine ran out of memory decoding the audio", retryable=True) from exc
    except Exception as exc:  # PyAV raises many error types for bad input
        logger.info("audio decode failed: %s", exc)
        raise invalid_audio(f"the audio could not be decoded: {type(exc).__name__}") from exc


def _blocks_bounded(data: bytes, limit: float, block: int) -> Iterator[np.ndarray]:
    import av

    cap = int(limit * SAMPLING_RATE)
    pending: List[np.ndarray] = []
    held = count = 0
    with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise invalid_audio("the input holds no audio stream")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > limit + 1:
            raise too_long(limit, declared)
        resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLING_RATE)
        for frame in _frames(container, stream):
            for out in resampler.resample(frame):
                array = out.to_ndarray().reshape(-1)
                count += array.size
                if count > cap:
                    raise too_long(limit)
                pending.append(array)
                held += array.size
                while held >= block:
                    joined = np.concatenate(pending)
                    yield _to_float(joined[:block])
                    pending, held = [joined[block:]], joined.size - block
        del resampler
    if held:
        yield _to_float(np.concatenate(pending))
    elif count == 0:
        raise invalid_audio("the audio holds no samples")


def _to_float(samples: np.ndarray) -> np.ndarray:
    out = samples.astype(np.float32)
    out /= 32768.0
    return out


def _declared_seconds(container, stream) -> Optional[float]:
    """The duration the container or stream header claims, when it claims one."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def _frames(container, stream) -> Iterator:
    """The stream's decoded frames, skipping frames the decoder rejects, then the resampler's flush."""
    import av

    frames = container.decode(stream)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            break
        except av.error.InvalidDataError:
            continue
        yield frame
    yield None


def duration_seconds(samples: np.ndarray) -> float:
    return float(samples.shape[0]) / SAMPLING_RATE

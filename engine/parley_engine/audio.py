"""Audio decoding: any container ffmpeg reads, through PyAV, to 16 kHz mono float32."""

import io
import logging

import numpy as np

from .errors import invalid_audio

logger = logging.getLogger(__name__)

SAMPLING_RATE = 16000


def decode(data: bytes) -> np.ndarray:
    """Decodes raw bytes of any ffmpeg-readable container; raises ``invalid_audio``."""
    if not data:
        raise invalid_audio("the audio is empty")
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(io.BytesIO(data), sampling_rate=SAMPLING_RATE)
    except Exception as exc:  # PyAV raises many error types for bad input
        logger.info("audio decode failed: %s", exc)
        raise invalid_audio(f"the audio could not be decoded: {type(exc).__name__}") from exc
    if samples.size == 0:
        raise invalid_audio("the audio holds no samples")
    return samples


def duration_seconds(samples: np.ndarray) -> float:
    return float(samples.shape[0]) / SAMPLING_RATE

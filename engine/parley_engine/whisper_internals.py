"""Every use of faster-whisper beyond ``WhisperModel.transcribe``, in one place: the feature
extractor and encoder, language detection, batched generation, the split of decoded tokens at
timestamps, the compression ratio, Silero VAD, and the decoding defaults. The batched and
windowed paths reach faster-whisper only through here, so an upgrade is checked here alone;
its defaults are read from its own signature, never copied.
"""

import inspect
import logging
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

logger = logging.getLogger(__name__)


def _transcribe_defaults() -> Dict[str, object]:
    from faster_whisper import WhisperModel

    return {
        name: parameter.default
        for name, parameter in inspect.signature(WhisperModel.transcribe).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


@dataclass(frozen=True)
class Defaults:
    """faster-whisper's own decoding defaults, as ``WhisperModel.transcribe`` declares them."""

    compression_ratio_threshold: float
    log_prob_threshold: float
    suppress_blank: bool
    suppress_tokens: Tuple[int, ...]
    max_initial_timestamp: float

    @classmethod
    def read(cls) -> "Defaults":
        found = _transcribe_defaults()
        return cls(
            compression_ratio_threshold=float(found["compression_ratio_threshold"]),
            log_prob_threshold=float(found["log_prob_threshold"]),
            suppress_blank=bool(found["suppress_blank"]),
            suppress_tokens=tuple(found["suppress_tokens"]),
            max_initial_timestamp=float(found["max_initial_timestamp"]),
        )


DEFAULTS = Defaults.read()


def features(model, samples: np.ndarray) -> np.ndarray:
    """Log-mel features of 16 kHz audio (80 or 128 bands, 100 frames a second)."""
    return model.feature_extractor(samples)


def max_frames(model) -> int:
    """Frames in a full 30 s window."""
    return model.feature_extractor.nb_max_frames


def encode(model, batch: np.ndarray):
    """Runs the encoder over a batch of padded features."""
    return model.encode(batch)


def detect_languages(model, encoder_output) -> List[Tuple[str, float]]:
    """The most likely language of each encoded window, with its probability."""
    ranked = model.model.detect_language(encoder_output)
    return [(best[0][0][2:-2], float(best[0][1])) for best in ranked]


def tokenizer(model, task: str, language: Optional[str]):
    from faster_whisper.tokenizer import Tokenizer

    return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=task, language=language)


def generate(model, encoder_output, tokenizers: List, beam_size: int):
    """Decodes encoded windows with timestamps, one prompt per window (its language and task),
    with faster-whisper's suppression defaults."""
    return model.model.generate(
        encoder_output,
        [model.get_prompt(t, previous_tokens=[], without_timestamps=False) for t in tokenizers],
        beam_size=beam_size,
        max_length=model.max_length,
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=DEFAULTS.suppress_blank,
        suppress_tokens=list(DEFAULTS.suppress_tokens),
        max_initial_timestamp_index=int(round(DEFAULTS.max_initial_timestamp / model.time_precision)),
    )


def split_at_timestamps(model, tokenizer_, tokens: List[int], frames: int, seconds: float) -> List[dict]:
    """The decoded tokens of one window as segments (``start``, ``end`` in window seconds, ``tokens``)."""
    pieces, _, _ = model._split_segments_by_timestamps(
        tokenizer=tokenizer_, tokens=tokens, time_offset=0.0, segment_size=frames, segment_duration=seconds, seek=0,
    )
    return pieces


def compression_ratio(text: str) -> float:
    from faster_whisper.transcribe import get_compression_ratio

    return get_compression_ratio(text) if text.strip() else 0.0


def speech_timestamps(samples: np.ndarray, **overrides) -> List[dict]:
    """Silero VAD's speech spans (``start``, ``end`` in samples): its default options, but for
    the ``VadOptions`` fields given."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return get_speech_timestamps(samples, VadOptions(**overrides))

"""Cross-item batching: 30 s windows of many items go through Whisper's encoder
and decoder as one batch, instead of one `transcribe` call per item.

Whisper pads every input to a 30 s window, so for short clips the encoder
dominates; batching windows of different items (each with its own language and
task prompt) amortises it. Items longer than one window keep the per-item path,
or are chunked and packed (see ``packed``).
"""

import logging
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from .packing import TimedText
from .guards import COMPRESSION_RATIO_LIMIT, LOGPROB_FLOOR
from . import whisper_internals as internals
from .whisper_backend import Segment, TranscribeOptions, Transcript, WhisperBackend

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 30.0
SAMPLING_RATE = 16000


@dataclass
class WindowPrompt:
    """How to decode one window: its language and task."""

    language: str
    task: str = "transcribe"


@dataclass
class DecodedWindow:
    """A decoded window: its segments, and the scores faster-whisper judges a decoding by."""

    segments: List[TimedText]
    avg_logprob: float
    compression_ratio: float

    @property
    def trusted(self) -> bool:
        """False where faster-whisper would decode again at a higher temperature (repetition, low confidence)."""
        return self.compression_ratio <= COMPRESSION_RATIO_LIMIT and self.avg_logprob >= LOGPROB_FLOOR


def fits_one_window(samples: np.ndarray, options: TranscribeOptions, sampling_rate: int = SAMPLING_RATE) -> bool:
    """Whether an item can join a batch: one window, no VAD, no word timestamps, greedy-or-beam decoding."""
    return samples.shape[0] <= WINDOW_SECONDS * sampling_rate and not options.vad_filter and not options.word_timestamps


def window_frames(seconds: float) -> int:
    """Mel frames (100 per second, even, at most 30 s) for an encoder window of ``seconds``."""
    frames = min(int(np.ceil(seconds * 100)), int(WINDOW_SECONDS * 100))
    return frames + frames % 2


def encode_windows(backend: WhisperBackend, windows: List[np.ndarray], frames: Optional[int] = None):
    """Mel features of each window, padded with silence to ``frames`` (30 s by default), as one encoder batch."""
    model = backend.model
    frames = frames or internals.max_frames(model)
    return internals.encode(model, np.stack([_pad(internals.features(model, samples), frames) for samples in windows]))


def detect_languages(backend: WhisperBackend, encoder_output) -> List[Tuple[str, float]]:
    """The most likely language of each encoded window, with its probability."""
    return internals.detect_languages(backend.model, encoder_output)


def decode_windows(
    backend: WhisperBackend, encoder_output, prompts: List[WindowPrompt], beam_size: int, seconds: float = WINDOW_SECONDS
) -> List[DecodedWindow]:
    """Decodes encoded windows of ``seconds`` with timestamps; segments are in window time."""
    model = backend.model
    tokenizers = [internals.tokenizer(model, p.task, p.language) for p in prompts]
    decoded = []
    for tokenizer, result in zip(tokenizers, internals.generate(model, encoder_output, tokenizers, beam_size)):
        tokens = result.sequences_ids[0]
        pieces = internals.split_at_timestamps(model, tokenizer, tokens, window_frames(seconds), seconds)
        text = tokenizer.decode([t for t in tokens if t < tokenizer.eot])
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        ratio = internals.compression_ratio(text)
        scores = dict(avg_logprob=round(float(avg_logprob), 4), no_speech_prob=round(float(result.no_speech_prob), 4),
                      compression_ratio=round(float(ratio), 4))
        segments = [
            TimedText(start=p["start"], end=p["end"], text=tokenizer.decode(p["tokens"]).strip(), **scores) for p in pieces
        ]
        decoded.append(DecodedWindow(segments=segments, avg_logprob=avg_logprob, compression_ratio=ratio))
    return decoded


def transcribe_batch(
    backend: WhisperBackend, items: List[np.ndarray], options: List[TranscribeOptions]
) -> List[Optional[Transcript]]:
    """Transcribes one-window items together; returns one transcript per item, in order, or None
    for an item whose decoding is not trusted (faster-whisper's fallback then takes it alone)."""
    encoder_output = encode_windows(backend, items)
    detected: List[Optional[Tuple[str, float]]] = [None] * len(items)
    if any(option.language is None for option in options):
        detected = detect_languages(backend, encoder_output)
    languages = [(o.language, 1.0) if o.language else detected[i] for i, o in enumerate(options)]
    prompts = [WindowPrompt(language=lang, task=o.task) for (lang, _), o in zip(languages, options)]
    beam = max(option.beam_size or backend.beam_size for option in options)
    transcripts = []
    for index, window in enumerate(decode_windows(backend, encoder_output, prompts, beam)):
        if not window.trusted:
            transcripts.append(None)
            continue
        duration = items[index].shape[0] / SAMPLING_RATE
        segments = [segment_of(t, 0.0, duration) for t in window.segments if t.text]
        language, probability = languages[index]
        transcripts.append(Transcript(
            text=" ".join(s.text for s in segments).strip(), language=language,
            language_probability=round(probability, 4), duration=round(duration, 3),
            model=backend.name, task=options[index].task, segments=segments,
        ))
    return transcripts


def segment_of(timed: TimedText, offset: float, duration: float) -> Segment:
    """A transcript segment from a piece's decoded text, shifted by ``offset`` seconds, with its scores."""
    return Segment(
        start=round(offset + timed.start, 3), end=round(min(offset + timed.end, duration), 3), text=timed.text,
        avg_logprob=timed.avg_logprob, no_speech_prob=timed.no_speech_prob, compression_ratio=timed.compression_ratio,
    )


def _pad(features: np.ndarray, frames: int) -> np.ndarray:
    if features.shape[-1] >= frames:
        return features[:, :frames]
    return np.pad(features, ((0, 0), (0, frames - features.shape[-1])))

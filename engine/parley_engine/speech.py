"""The speech gate: Silero VAD (shipped inside faster-whisper) decides, before any decoding,
whether an item holds speech and where.

Measured on the synthesised non-speech set (``tests/nonspeech.py``) with VAD's defaults
(threshold 0.5, speech of at least 250 ms): digital and dithered silence, white and pink noise,
chords and drums hold no speech at all; an arpeggio and music with a beat hold 0.5–0.75 s of
false speech, which the decoding guards (``guards``) then remove; a LibriVox clip made 26 dB
quieter keeps 2.97 of its 3 s. Lowering the threshold to 0.35 changed none of these by more
than 0.06 s, so the library default stands.
"""

import logging
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from .audio import SAMPLING_RATE
from .whisper_internals import speech_timestamps

logger = logging.getLogger(__name__)

# Speech shorter than this in a whole item (VAD's own minimum span) counts as none.
MIN_SPEECH_SECONDS = 0.25
# How far decoded text may sit from speech and still count as on it (Whisper's times are
# approximate, and VAD trims word edges).
MARGIN_SECONDS = 0.5
# The share of a segment's words that must lie on speech.
MIN_COVERAGE = 0.5
# Audio whose peak stays under this (4 steps of 16-bit audio, -78 dBFS) is digital or
# dithered silence: nothing is audible, so VAD is not run on it.
SILENCE_PEAK = 4 / 32768


@dataclass
class SpeechMap:
    """Where an item holds speech, in seconds."""

    spans: List[Tuple[float, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(end - start for start, end in self.spans)

    @property
    def has_speech(self) -> bool:
        return self.seconds >= MIN_SPEECH_SECONDS

    def coverage(self, start: float, end: float, margin: float = MARGIN_SECONDS) -> float:
        """The share of ``start``–``end`` that speech covers, each span widened by ``margin``."""
        if end <= start:
            return 1.0 if self.contains(start, margin) else 0.0
        covered, reached = 0.0, start
        for s_start, s_end in self.spans:
            low, high = max(s_start - margin, reached), min(s_end + margin, end)
            if high > low:
                covered += high - low
                reached = high
        return covered / (end - start)

    def contains(self, moment: float, margin: float = MARGIN_SECONDS) -> bool:
        return any(s_start - margin <= moment <= s_end + margin for s_start, s_end in self.spans)

    def carries(self, start: float, end: float, words: Optional[List[Tuple[float, float]]] = None) -> bool:
        """Whether text decoded at ``start``–``end`` lies on speech: most of its words' midpoints
        when their times are known, else some of its time (a segment's own times are too rough
        for more: decoded over VAD chunks, one segment can span the gap between two)."""
        if words:
            on_speech = sum(self.contains((w_start + w_end) / 2) for w_start, w_end in words)
            return on_speech >= MIN_COVERAGE * len(words)
        return self.coverage(start, end) > 0.0

    def seconds_within(self, start: float, end: float) -> float:
        """Seconds of speech between ``start`` and ``end``."""
        return self.coverage(start, end, margin=0.0) * max(end - start, 0.0)


def find_speech(samples: np.ndarray) -> SpeechMap:
    """The speech spans of decoded 16 kHz audio (a few milliseconds per second of audio)."""
    if samples.size == 0 or max(float(samples.max()), -float(samples.min())) < SILENCE_PEAK:
        return SpeechMap()
    spans = speech_timestamps(samples)
    return SpeechMap([(s["start"] / SAMPLING_RATE, s["end"] / SAMPLING_RATE) for s in spans])

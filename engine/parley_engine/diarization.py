"""Who spoke when: speaker turns of an item from its speech, in streaming pieces.

Speech regions come from Silero VAD with short padding and pauses (tighter than the speech
gate's, which pads 400 ms for decoding), run again only inside the spans the gate found, and
mel frames are computed over those regions only, so silence costs nothing here. Each region is covered by windows of 1.6 s every
``HOP_SECONDS`` (a region shorter than a window gets one window centred on it) and every window
is embedded by the speaker encoder. Only the windows' times and embeddings are kept (1 KB per
window, about 7 MB for an hour of speech), so a long item's pieces add their windows one by one
and the audio is never held whole. At the end the windows are clustered (``clustering``) and
each region is cut into turns where the label of its nearest window changes.
"""

import logging
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from .clustering import SpeakerCount, cluster
from .speaker_encoder import HOP, SAMPLING_RATE, WINDOW_FRAMES, SpeakerEncoder
from .speech import SpeechMap
from .whisper_internals import speech_timestamps

logger = logging.getLogger(__name__)

WINDOW_SECONDS = WINDOW_FRAMES * HOP / SAMPLING_RATE
HOP_SECONDS = 0.5
# Silero VAD for turns: pauses from 250 ms split regions, padded 50 ms.
MIN_PAUSE_MS = 250
PAD_MS = 50


@dataclass
class Turn:
    """One speaker's stretch of speech, in seconds on the item's time line."""

    speaker: str
    start: float
    end: float

    def to_dict(self) -> dict:
        return {"speaker": self.speaker, "start": round(self.start, 3), "end": round(self.end, 3)}


@dataclass
class SpeakerWindows:
    """The embedded windows of an item so far: per window its centre and region, and its
    embedding (float16)."""

    centres: List[float] = field(default_factory=list)
    regions: List[Tuple[float, float]] = field(default_factory=list)
    embeddings: List[np.ndarray] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, encoder: SpeakerEncoder, samples: np.ndarray, offset: float = 0.0,
            speech: Optional[SpeechMap] = None) -> None:
        """Embeds the speech of ``samples``, which start ``offset`` s into the item, looking only
        inside ``speech`` (the gate's map of them) when it is given."""
        started = time.perf_counter()
        duration = samples.shape[0] / SAMPLING_RATE
        starts, owners, frames = [], [], []
        for region in speech_regions(samples, speech):
            placed = window_starts(region, duration)
            first, end = int(round(placed[0] * SAMPLING_RATE)), int(round((placed[-1] + WINDOW_SECONDS) * SAMPLING_RATE))
            mel = encoder.mel(samples[first:end])
            for start in placed:
                starts.append(start)
                owners.append(region)
                frames.append(_frames(mel, start - first / SAMPLING_RATE))
        if frames:
            embedded = encoder.embed(np.stack(frames)).astype(np.float16)
            for start, region, vector in zip(starts, owners, embedded):
                centre = min(max(start + WINDOW_SECONDS / 2, region[0]), region[1])
                self.centres.append(offset + centre)
                self.regions.append((offset + region[0], offset + region[1]))
                self.embeddings.append(vector)
        self.seconds += time.perf_counter() - started

    def turns(self, count: Optional[SpeakerCount] = None) -> List[Turn]:
        """The item's speaker turns, speakers named ``SPEAKER_00``… in order of first speech."""
        if not self.embeddings:
            return []
        started = time.perf_counter()
        labels = cluster(np.stack(self.embeddings).astype(np.float32), count or SpeakerCount())
        turns = _turns(self.centres, self.regions, list(labels))
        self.seconds += time.perf_counter() - started
        return turns


def speech_regions(samples: np.ndarray, speech: Optional[SpeechMap] = None) -> List[Tuple[float, float]]:
    """Silero VAD's regions for turns (``MIN_PAUSE_MS``, ``PAD_MS``), in seconds: over the whole
    of ``samples``, or only inside each span of ``speech``."""
    spans = [(0, samples.shape[0])] if speech is None else [
        (int(start * SAMPLING_RATE), int(end * SAMPLING_RATE)) for start, end in speech.spans]
    regions = []
    for first, end in spans:
        for found in speech_timestamps(samples[first:end], min_silence_duration_ms=MIN_PAUSE_MS, speech_pad_ms=PAD_MS):
            regions.append(((first + found["start"]) / SAMPLING_RATE, (first + found["end"]) / SAMPLING_RATE))
    return regions


def window_starts(region: Tuple[float, float], duration: float) -> List[float]:
    """Where the windows over one speech region start: every ``HOP_SECONDS`` from its start, the
    last one ending at its end; one centred window for a region shorter than a window (moved to
    fit in the audio)."""
    start, end = region
    if end - start <= WINDOW_SECONDS:
        centred = (start + end - WINDOW_SECONDS) / 2
        return [max(0.0, min(centred, duration - WINDOW_SECONDS))]
    count = int(np.ceil((end - start - WINDOW_SECONDS) / HOP_SECONDS)) + 1
    last = end - WINDOW_SECONDS
    return [min(start + n * HOP_SECONDS, last) for n in range(count)]


def _frames(mel: np.ndarray, start: float) -> np.ndarray:
    first = max(0, int(round(start * SAMPLING_RATE / HOP)))
    window = mel[first : first + WINDOW_FRAMES]
    if window.shape[0] < WINDOW_FRAMES:
        window = np.pad(window, ((0, WINDOW_FRAMES - window.shape[0]), (0, 0)))
    return window


def _turns(centres: List[float], regions: List[Tuple[float, float]], labels: List[int]) -> List[Turn]:
    """Each region cut where the label of its windows changes (half-way between the two windows'
    centres); touching turns of one speaker joined; speakers renamed by first appearance."""
    names: dict = {}
    turns: List[Turn] = []
    index = 0
    while index < len(centres):
        region = regions[index]
        members = []
        while index < len(centres) and regions[index] == region:
            members.append((centres[index], labels[index]))
            index += 1
        start = region[0]
        for n, (centre, label) in enumerate(members):
            end = region[1] if n + 1 == len(members) else (centre + members[n + 1][0]) / 2
            if n + 1 < len(members) and members[n + 1][1] == label:
                continue
            speaker = names.setdefault(label, f"SPEAKER_{len(names):02d}")
            if turns and turns[-1].speaker == speaker and turns[-1].end >= start - 1e-6:
                turns[-1].end = end
            else:
                turns.append(Turn(speaker, start, end))
            start = end
    return turns

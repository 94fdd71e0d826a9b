"""Long items as a stream of pieces, so the engine's memory does not grow with the duration.

An item longer than the whole-decode threshold (see ``transcription``) is decoded again in
blocks; the blocks gather into pieces of about ``PIECE_SECONDS`` that end in a pause the
speech gate (Silero VAD) found, so no word is cut in two. Each piece goes through the same
pipeline as a short item, with the gate's map of that piece, and only its transcript is kept;
the transcripts are then joined on the item's time line. Pieces without speech cost one VAD
pass and nothing else, so hours of silence end in seconds.
"""

import logging
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .audio import SAMPLING_RATE, blocks
from .speech import SpeechMap, find_speech
from .whisper_backend import Segment, Transcript, Word

logger = logging.getLogger(__name__)

# A piece is cut once this much audio is held, at the last pause in its second half.
PIECE_SECONDS = 300.0
# Audio decoded at a time while a piece gathers.
BLOCK_SECONDS = 30.0
# The shortest pause (between the gate's padded speech spans) a piece may end in.
MIN_PAUSE_SECONDS = 0.2
# Silence kept around a piece's speech when it is transcribed.
MARGIN_SECONDS = 0.5


@dataclass
class Piece:
    """A stretch of a long item: where it starts, its samples, and where it holds speech
    (in seconds from the piece's own start)."""

    offset: float
    samples: np.ndarray
    speech: SpeechMap

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / SAMPLING_RATE

    def trimmed(self) -> "Piece":
        """The piece from its first speech to its last, with ``MARGIN_SECONDS`` either side (a
        view, no copy): a piece cut in the middle of a pause would otherwise open with
        seconds of silence, which Whisper's 30 s path times poorly."""
        if not self.speech.spans:
            return self
        start = max(0.0, self.speech.spans[0][0] - MARGIN_SECONDS)
        end = min(self.seconds, self.speech.spans[-1][1] + MARGIN_SECONDS)
        spans = [(s - start, e - start) for s, e in self.speech.spans]
        samples = self.samples[int(start * SAMPLING_RATE) : int(end * SAMPLING_RATE)]
        return Piece(self.offset + start, samples, SpeechMap(spans))


def pieces(data: bytes, piece_seconds: Optional[float] = None, max_seconds: Optional[float] = None) -> Iterator[Piece]:
    """The item's pieces in order (of about ``PIECE_SECONDS`` unless told); raises what
    ``audio.blocks`` raises when the decode fails or passes the duration limit."""
    piece_seconds = piece_seconds or PIECE_SECONDS
    held = np.zeros(0, dtype=np.float32)
    offset = 0
    for block in blocks(data, BLOCK_SECONDS, max_seconds):
        held = np.concatenate([held, block]) if held.size else block
        if held.shape[0] < piece_seconds * SAMPLING_RATE:
            continue
        speech = find_speech(held)
        cut = int(cut_point(speech.spans, held.shape[0] / SAMPLING_RATE) * SAMPLING_RATE)
        yield Piece(offset / SAMPLING_RATE, held[:cut], _before(speech, cut / SAMPLING_RATE))
        offset += cut
        held = held[cut:].copy()
    if held.size:
        yield Piece(offset / SAMPLING_RATE, held, find_speech(held))


def cut_point(spans: Sequence[Tuple[float, float]], length: float) -> float:
    """Where to end a piece of ``length`` seconds with these speech spans: the middle of the
    last pause of at least ``MIN_PAUSE_SECONDS`` in its second half (the trailing non-speech
    counts as one), else its end."""
    pauses = [(end, start) for (_, end), (start, _) in zip(spans, spans[1:])]
    if spans:
        pauses.append((spans[-1][1], length))
    for start, end in reversed(pauses):
        middle = (start + end) / 2
        if end - start >= MIN_PAUSE_SECONDS and middle >= length / 2:
            return min(middle, length)
    return length


def _before(speech: SpeechMap, cut: float) -> SpeechMap:
    return SpeechMap([(start, min(end, cut)) for start, end in speech.spans if start < cut])


def join(parts: List[Tuple[float, Transcript]], duration: float) -> Transcript:
    """One transcript for the item from its pieces' transcripts (each with its piece's offset):
    segments and words moved to the item's time line, the language of the first piece with
    text, the gate's findings added up. The caller's guards summarise confidence again."""
    first = next((t for _, t in parts if t.text), parts[0][1])
    return Transcript(
        text=" ".join(t.text for _, t in parts if t.text).strip(),
        language=first.language,
        language_probability=first.language_probability,
        duration=round(duration, 3),
        model=first.model,
        task=first.task,
        segments=[_shifted(s, offset) for offset, t in parts for s in t.segments],
        no_speech=all(t.no_speech for _, t in parts),
        dropped_segments=sum(t.dropped_segments for _, t in parts),
    )


def on_item_time(piece: Piece) -> List[Tuple[float, float]]:
    """The piece's speech spans on the item's time line."""
    return [(piece.offset + start, piece.offset + end) for start, end in piece.speech.spans]


def join_translations(parts: List[Tuple[float, dict]]) -> dict:
    """One speech translation from the pieces' translations, segment times moved likewise."""
    first = next((t for _, t in parts if t["text"]), parts[0][1])
    return {
        "text": " ".join(t["text"] for _, t in parts if t["text"]).strip(),
        "language": first["language"],
        "model": first["model"],
        "segments": [
            dict(s, start=round(s["start"] + offset, 3), end=round(s["end"] + offset, 3))
            for offset, t in parts for s in t["segments"]
        ],
    }


def _shifted(segment: Segment, offset: float) -> Segment:
    words = None
    if segment.words is not None:
        words = [Word(round(w.start + offset, 3), round(w.end + offset, 3), w.word, w.probability) for w in segment.words]
    return Segment(
        start=round(segment.start + offset, 3), end=round(segment.end + offset, 3), text=segment.text, words=words,
        avg_logprob=segment.avg_logprob, no_speech_prob=segment.no_speech_prob, compression_ratio=segment.compression_ratio,
    )

"""Windowed transcription: short items and VAD chunks of long items become
windows that are encoded and decoded in batches across items.

Whisper pads every input to 30 s, so a 4 s clip pays for 30 s of encoder work.
Here each window is encoded at its own length plus ``CONTEXT_PAD_SECONDS`` of
silence (measured on this model: the same word error rate as full padding, at a
third of the encoder work for 3–7 s clips). With ``share_windows``, pieces of the
same known language are also packed end to end into one window (see ``packing``).

A decoding faster-whisper would distrust (compression ratio over 2.4 or average
log-probability under -1), an uncertain language, or a piece that does not split
cleanly from its window sends its item back: the caller transcribes it the
ordinary way, so text from different items is never mixed.
"""

import logging
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from .batched import (
    SAMPLING_RATE, WINDOW_SECONDS, WindowPrompt, decode_windows, detect_languages, encode_windows, segment_of,
    window_frames,
)
from .packing import GAP_SECONDS, WINDOW_LIMIT_SECONDS, Piece, TimedText, Window, plan_windows, split_segments
from .whisper_backend import TranscribeOptions, Transcript, WhisperBackend
from .whisper_internals import speech_timestamps

logger = logging.getLogger(__name__)

# A chunk of a long item never spans more than this without speech, so the music or
# silence between two stretches of speech is not decoded.
MAX_GAP_SECONDS = 3.0
# Seconds of silence after a window's audio inside the encoder input.
CONTEXT_PAD_SECONDS = 10.0
# Detected languages under this probability send the item to the 30 s path.
DETECTION_CONFIDENCE = 0.8
# Windows encoded and decoded together in one call.
MAX_WINDOWS = 16
# Groups per worker a call's windows are cut into when there are enough (so a worker that
# finishes early takes the next group rather than idling).
GROUPS_PER_WORKER = 2
# Decoding that stops this many seconds before a piece ends, with speech after
# it, continues in a new piece (as faster-whisper seeks on), at most this often.
CONTINUE_SECONDS = 1.0
MAX_ROUNDS = 3


@dataclass
class WindowRequest:
    samples: np.ndarray
    options: TranscribeOptions


def windowable(samples: np.ndarray, options: TranscribeOptions, short: bool = True, long: bool = True) -> bool:
    """Whether this path serves the item: no words, prompt or sampling; short audio (when ``short``)
    or audio longer than one window (when ``long``)."""
    if options.word_timestamps or options.initial_prompt or options.temperature:
        return False
    seconds = samples.shape[0] / SAMPLING_RATE
    return (short and seconds <= WINDOW_LIMIT_SECONDS and not options.vad_filter) or (long and seconds > WINDOW_SECONDS)


def transcribe_windowed(
    backend: WhisperBackend, requests: List[WindowRequest], share_windows: bool = False
) -> List[Optional[Transcript]]:
    """Transcripts of the requests that came through cleanly, None for the others (in order)."""
    run = _Run(backend, requests)
    for index, request in enumerate(requests):
        if request.options.language:
            run.languages[index] = (request.options.language, 1.0)
        for start, end in _spans(request.samples):
            run.add(index, start, end, shared=share_windows and bool(request.options.language))
    # Silent long audio of unknown language has nothing to detect it from here.
    run.failed.update(i for i in range(len(requests)) if i not in run.languages and not run.has_pieces(i))
    pending = plan_windows(run.pieces)
    for _ in range(MAX_ROUNDS):
        if not pending:
            break
        first = len(run.pieces)
        run.decode(pending)
        pending = plan_windows(run.pieces[first:])
        for window in pending:
            window.pieces = [first + p for p in window.pieces]
    run.failed.update(run.pieces[w.pieces[0]].item for w in pending)
    if run.failed:
        logger.info("%d of %d items need the 30 s path after windowed decoding", len(run.failed), len(requests))
    return [
        _assemble(backend, i, requests[i], run.languages[i], run.pieces, run.segments) if i not in run.failed else None
        for i in range(len(requests))
    ]


class _Run:
    """The pieces of one request and what decoding them has found so far."""

    def __init__(self, backend: WhisperBackend, requests: List[WindowRequest]):
        self.backend = backend
        self.requests = requests
        self.pieces: List[Piece] = []
        self.audio: List[np.ndarray] = []
        self.continuations: set = set()
        self.languages: Dict[int, Tuple[str, float]] = {}
        self.segments: Dict[int, List[TimedText]] = {}
        self.failed: set = set()

    def add(self, item: int, start: int, end: int, shared: bool) -> int:
        """A piece of item ``item`` from sample ``start`` to ``end``; returns its index."""
        options = self.requests[item].options
        # Pieces share a window only with pieces of equal key: the same language, task and beam when shared.
        key = (options.task, options.beam_size or self.backend.beam_size, options.language if shared else len(self.pieces))
        self.pieces.append(Piece(item=item, offset=start / SAMPLING_RATE, duration=(end - start) / SAMPLING_RATE, key=key))
        self.audio.append(self.requests[item].samples[start:end])
        return len(self.pieces) - 1

    def has_pieces(self, item: int) -> bool:
        return any(piece.item == item for piece in self.pieces)

    def decode(self, windows: List[Window]) -> None:
        """Encodes every window, settles undetected languages from each item's first piece, decodes,
        and queues a continuation piece wherever decoding stopped before the speech did. Groups of
        windows run on the model's workers side by side."""
        groups = _groups(windows, self.backend.workers)
        if all(self._item(w) in self.languages for w in windows):
            # Every language is known: each group is encoded and decoded in one step, so one
            # worker never waits on another's encoding.
            for group, decoded in zip(groups, self.backend.run_each(lambda g: self._decode(g, self._encode(g)), groups)):
                self._settle_group(group, decoded)
            return
        encoded = self.backend.run_each(self._encode, groups)
        firsts: Dict[int, Tuple[float, Tuple[str, float]]] = {}
        for group, encoding in zip(groups, encoded):
            self._detect(group, encoding[1], firsts)
        for item, (_, language) in firsts.items():
            self.languages[item] = language
            if language[1] < DETECTION_CONFIDENCE:
                self.failed.add(item)
        live = [(g, e) for g, e in zip(groups, encoded) if self._live(g)]
        for (group, _), decoded in zip(live, self.backend.run_each(lambda ge: self._decode(*ge), live)):
            self._settle_group(group, decoded)

    def _encode(self, group: List[Window]) -> Tuple[float, object]:
        """The group's encoder output, over its longest window plus the context pad."""
        seconds = min(max(w.length for w in group) + CONTEXT_PAD_SECONDS, WINDOW_SECONDS)
        return seconds, encode_windows(self.backend, [_lay_out(w, self.audio) for w in group], window_frames(seconds))

    def _decode(self, group: List[Window], encoding: Tuple[float, object]) -> list:
        seconds, encoder_output = encoding
        prompts = [WindowPrompt(language=self.languages[self._item(w)][0], task=w.key[0]) for w in group]
        return decode_windows(self.backend, encoder_output, prompts, group[0].key[1], seconds)

    def _item(self, window: Window) -> int:
        """The item a window's pieces come from (a window holds pieces of one item unless packed,
        and packed pieces share one language and task)."""
        return self.pieces[window.pieces[0]].item

    def _live(self, group: List[Window]) -> bool:
        return any(self._item(w) not in self.failed for w in group)

    def _settle_group(self, group: List[Window], decoded: list) -> None:
        for window, result in zip(group, decoded):
            if self._item(window) not in self.failed:
                self._settle(window, result)

    def _detect(self, group: List[Window], encoder_output, firsts: Dict[int, Tuple[float, Tuple[str, float]]]) -> None:
        """Notes, per item of unknown language, the detection of its earliest piece seen so far."""
        if all(self._item(w) in self.languages for w in group):
            return
        for window, language in zip(group, detect_languages(self.backend, encoder_output)):
            piece = self.pieces[window.pieces[0]]
            if piece.item not in self.languages and piece.offset < firsts.get(piece.item, (float("inf"),))[0]:
                firsts[piece.item] = (piece.offset, language)

    def _settle(self, window: Window, decoded) -> None:
        if not decoded.trusted:
            self.failed.update(self.pieces[p].item for p in window.pieces)
            return
        owned, unclean = split_segments(window, self.pieces, decoded.segments)
        self.failed.update(self.pieces[p].item for p in unclean)
        for p, texts in owned.items():
            piece = self.pieces[p]
            if not texts and p not in self.continuations:
                self.failed.add(piece.item)  # speech was expected here; the 30 s path decides
                continue
            self.segments[p] = texts
            heard = max((t.end for t in texts), default=0.0)
            rest = _speech_after(self.audio[p], heard)
            if rest is not None:
                begin = int(round((piece.offset + heard) * SAMPLING_RATE)) + rest
                end = int(round((piece.offset + piece.duration) * SAMPLING_RATE))
                self.continuations.add(self.add(piece.item, begin, end, shared=False))


def _speech_after(audio: np.ndarray, heard: float) -> Optional[int]:
    """Where speech resumes (samples after ``heard`` seconds) if decoding stopped over a second early."""
    start = int(heard * SAMPLING_RATE)
    if audio.shape[0] - start < CONTINUE_SECONDS * SAMPLING_RATE:
        return None
    speech = speech_timestamps(audio[start:], min_speech_duration_ms=250)
    return speech[0]["start"] if speech else None


def _spans(samples: np.ndarray) -> List[Tuple[int, int]]:
    """The whole of a short item, or the VAD speech chunks of a long one (each at most one window)."""
    if samples.shape[0] <= WINDOW_LIMIT_SECONDS * SAMPLING_RATE:
        return [(0, samples.shape[0])]
    limit = int(WINDOW_LIMIT_SECONDS * SAMPLING_RATE)
    speech = speech_timestamps(samples, max_speech_duration_s=WINDOW_LIMIT_SECONDS - 1)
    chunks: List[Tuple[int, int]] = []
    for span in speech:
        if chunks and span["end"] - chunks[-1][0] <= limit and span["start"] - chunks[-1][1] <= MAX_GAP_SECONDS * SAMPLING_RATE:
            chunks[-1] = (chunks[-1][0], span["end"])
        else:
            chunks.append((span["start"], min(span["end"], span["start"] + limit)))
    return chunks


def _groups(windows: List[Window], workers: int) -> List[List[Window]]:
    """Batches of windows with one beam size and similar lengths, so padding stays small: at most
    ``MAX_WINDOWS`` each, and small enough that every worker gets ``GROUPS_PER_WORKER`` of them."""
    size = max(1, min(MAX_WINDOWS, math.ceil(len(windows) / (workers * GROUPS_PER_WORKER))))
    ordered = sorted(windows, key=lambda w: (w.key[1], w.length))
    groups: List[List[Window]] = []
    for window in ordered:
        if groups and len(groups[-1]) < size and groups[-1][0].key[1] == window.key[1]:
            groups[-1].append(window)
        else:
            groups.append([window])
    return groups


def _lay_out(window: Window, audio: List[np.ndarray]) -> np.ndarray:
    gap = np.zeros(int(GAP_SECONDS * SAMPLING_RATE), dtype=np.float32)
    parts = []
    for k, piece in enumerate(window.pieces):
        if k:
            parts.append(gap)
        parts.append(audio[piece])
    return np.concatenate(parts)


def _assemble(
    backend: WhisperBackend, index: int, request: WindowRequest, language: Tuple[str, float],
    pieces: List[Piece], segments: Dict[int, List[TimedText]],
) -> Transcript:
    duration = request.samples.shape[0] / SAMPLING_RATE
    collected = sorted(
        (
            segment_of(t, pieces[p].offset, duration)
            for p, texts in segments.items()
            if pieces[p].item == index
            for t in texts
        ),
        key=lambda s: s.start,
    )
    return Transcript(
        text=" ".join(s.text for s in collected).strip(), language=language[0],
        language_probability=round(language[1], 4), duration=round(duration, 3),
        model=backend.name, task=request.options.task, segments=collected,
    )

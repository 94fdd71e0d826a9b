"""Window packing: several short pieces of speech share one 30 s Whisper window.

Whisper pads every input to 30 s, so a 4 s clip pays for 30 s of encoder work.
Pieces (whole short items, or VAD chunks of long ones) of the same language and
task are laid end to end with silent gaps between them, transcribed with
timestamps, and the segments are handed back to the piece whose span holds them.

This module is pure: planning windows and splitting segments, no model.
A piece whose segments cannot be attributed cleanly is reported, so the caller
can transcribe it alone; text is never guessed across pieces.
"""

from dataclasses import dataclass, field, replace
from typing import Dict, Hashable, List, Optional, Sequence, Set, Tuple

# Seconds of digital silence between pieces: long enough that Whisper closes a
# segment at each boundary, short enough to fit five or six clips per window.
GAP_SECONDS = 1.0
# Filled length of a window; the rest of the 30 s stays as padding, so the last
# segment closes with a timestamp inside the window.
WINDOW_LIMIT_SECONDS = 28.5
# Seconds a segment may spill past its piece into a gap and still belong to it.
SPILL_SECONDS = 0.4


@dataclass
class Piece:
    """A stretch of one item's audio to transcribe: ``offset`` seconds into the item."""

    item: int
    offset: float
    duration: float
    key: Hashable


@dataclass
class Window:
    """Pieces laid out in one window; ``starts[k]`` is where piece ``pieces[k]`` begins."""

    key: Hashable
    pieces: List[int] = field(default_factory=list)
    starts: List[float] = field(default_factory=list)
    length: float = 0.0


@dataclass
class TimedText:
    start: float
    end: float
    text: str
    # The decoding's scores (faster-whisper's names), shared by every segment of one window.
    avg_logprob: Optional[float] = None
    no_speech_prob: Optional[float] = None
    compression_ratio: Optional[float] = None


def plan_windows(
    pieces: Sequence[Piece], limit: float = WINDOW_LIMIT_SECONDS, gap: float = GAP_SECONDS
) -> List[Window]:
    """Packs pieces of equal key into windows, first fit in input order.

    Every piece lands in exactly one window; a piece longer than ``limit`` gets a
    window of its own.
    """
    windows: List[Window] = []
    open_windows: Dict[Hashable, List[Window]] = {}
    for index, piece in enumerate(pieces):
        candidates = open_windows.setdefault(piece.key, [])
        target = next((w for w in candidates if w.length + gap + piece.duration <= limit), None)
        if target is None:
            target = Window(key=piece.key)
            candidates.append(target)
            windows.append(target)
        start = target.length + gap if target.pieces else 0.0
        target.pieces.append(index)
        target.starts.append(start)
        target.length = start + piece.duration
    return windows


def split_segments(
    window: Window, pieces: Sequence[Piece], segments: Sequence[TimedText], spill: float = SPILL_SECONDS
) -> Tuple[Dict[int, List[TimedText]], Set[int]]:
    """Hands each window segment to the piece whose span holds it.

    Returns the segments per piece (times relative to the piece, clamped to it;
    possibly none) and the pieces that cannot be trusted: touched by a segment
    that straddles two pieces or lies in no piece.
    """
    spans = [(p, s, s + pieces[p].duration) for p, s in zip(window.pieces, window.starts)]
    owned: Dict[int, List[TimedText]] = {p: [] for p in window.pieces}
    unclean: Set[int] = set()
    for segment in segments:
        if not segment.text.strip():
            continue
        holders = [p for p, a, b in spans if segment.start >= a - spill and segment.end <= b + spill]
        touched = [p for p, a, b in spans if min(segment.end, b) - max(segment.start, a) > 0]
        if len(holders) != 1 or any(p != holders[0] for p in touched):
            unclean.update(touched or [_nearest(spans, segment)])
            continue
        piece, begin, finish = next(span for span in spans if span[0] == holders[0])
        length = finish - begin
        owned[piece].append(replace(
            segment,
            start=round(min(max(segment.start - begin, 0.0), length), 3),
            end=round(min(max(segment.end - begin, 0.0), length), 3),
            text=segment.text.strip(),
        ))
    return {p: texts for p, texts in owned.items() if p not in unclean}, unclean


def _nearest(spans, segment: TimedText) -> int:
    middle = (segment.start + segment.end) / 2
    return min(spans, key=lambda span: abs((span[1] + span[2]) / 2 - middle))[0]

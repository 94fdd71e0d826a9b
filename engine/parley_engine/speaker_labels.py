"""Speakers on a transcript: each word gets the speaker whose turn covers most of it (the
nearest turn when none does), a segment whose words change speaker is split there, and a
segment without words gets the speaker covering most of it.

A lone word of another speaker inside a segment (under ``LONE_WORD_SECONDS``) keeps the
segment's speaker: where turns overlap or touch, the edge of a turn is a few hundred ms off,
and Whisper, which ends segments where voices change, is the better judge of one word."""

from dataclasses import replace
from typing import List, Optional, Sequence

from .diarization import Turn
from .whisper_backend import Segment, Transcript, Word

LONE_WORD_SECONDS = 1.0


def speaker_at(turns: Sequence[Turn], start: float, end: float) -> Optional[str]:
    """The speaker covering most of ``start``–``end``, else the one whose turn lies nearest."""
    if not turns:
        return None
    overlap: dict = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if overlap:
        return max(overlap, key=overlap.get)
    middle = (start + end) / 2
    return min(turns, key=lambda t: 0.0 if t.start <= middle <= t.end else min(abs(t.start - middle), abs(t.end - middle))).speaker


def label(transcript: Transcript, turns: Sequence[Turn], keep_words: bool) -> None:
    """Sets the speakers of ``transcript``'s segments (and words), splitting segments at speaker
    changes; words are dropped afterwards unless ``keep_words``."""
    labelled: List[Segment] = []
    for segment in transcript.segments:
        if not segment.words:
            labelled.append(replace(segment, speaker=speaker_at(turns, segment.start, segment.end), words=segment.words if keep_words else None))
            continue
        words = [replace(w, speaker=speaker_at(turns, w.start, w.end)) for w in segment.words]
        runs = _runs(words)
        for n, run in enumerate(runs):
            labelled.append(replace(
                segment,
                start=segment.start if n == 0 else run[0].start,
                end=segment.end if n + 1 == len(runs) else run[-1].end,
                text="".join(w.word for w in run).strip() if len(runs) > 1 else segment.text,
                words=run if keep_words else None,
                speaker=run[0].speaker,
            ))
    transcript.segments = labelled
    transcript.speaker_turns = [t.to_dict() for t in turns]
    transcript.speaker_count = len({t.speaker for t in turns})


def label_segments(segments: List[dict], turns: Sequence[Turn]) -> List[dict]:
    """Segments as dicts (a speech translation's) with the speaker covering most of each."""
    return [dict(s, speaker=speaker_at(turns, s["start"], s["end"])) for s in segments]


def _runs(words: List[Word]) -> List[List[Word]]:
    """The words in runs of one speaker, lone words joined to the longer run beside them."""
    runs: List[List[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    while len(runs) > 1:
        lone = [n for n, run in enumerate(runs) if len(run) == 1 and run[0].end - run[0].start < LONE_WORD_SECONDS]
        if not lone:
            break
        n = lone[0]
        neighbours = [m for m in (n - 1, n + 1) if 0 <= m < len(runs)]
        into = max(neighbours, key=lambda m: runs[m][-1].end - runs[m][0].start)
        speaker = runs[into][0].speaker
        runs[n] = [replace(w, speaker=speaker) for w in runs[n]]
        merged = runs[min(n, into)] + runs[max(n, into)]
        runs[min(n, into) : max(n, into) + 1] = [merged]
    return runs

"""Diarization error rate: (missed speech + false alarm + speaker confusion) / reference
speech, scored on 10 ms frames (overlapped speech counts once per speaker), with the mapping of
hypothesis to reference speakers that gives the lowest error, as NIST's md-eval scores it.
``collar`` seconds either side of every reference boundary are not scored."""

import itertools
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

FRAME = 0.01
# Speaker sets beyond this many are mapped greedily instead of by every permutation.
EXACT_MAPPING_LIMIT = 7

Turns = Sequence[Tuple[str, float, float]]


@dataclass
class DerReport:
    reference_seconds: float
    missed: float
    false_alarm: float
    confusion: float
    reference_speakers: int
    hypothesis_speakers: int

    @property
    def der(self) -> float:
        return (self.missed + self.false_alarm + self.confusion) / self.reference_seconds if self.reference_seconds else 0.0

    def to_dict(self) -> dict:
        return {"der": round(self.der, 4), "missed": round(self.missed, 3), "false_alarm": round(self.false_alarm, 3),
                "confusion": round(self.confusion, 3), "reference_seconds": round(self.reference_seconds, 3),
                "reference_speakers": self.reference_speakers, "hypothesis_speakers": self.hypothesis_speakers}


def parse_rttm(text: str) -> Dict[str, List[Tuple[str, float, float]]]:
    """``SPEAKER`` lines of an RTTM file, by recording: (speaker, start, end)."""
    recordings: Dict[str, List[Tuple[str, float, float]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        if len(fields) < 9:
            raise ValueError(f"RTTM line {number} has {len(fields)} fields, not 9 or 10")
        start, duration = float(fields[3]), float(fields[4])
        if duration < 0:
            raise ValueError(f"RTTM line {number} has a negative duration")
        recordings.setdefault(fields[1], []).append((fields[7], start, start + duration))
    return recordings


def _matrix(turns: Turns, frames: int) -> Tuple[List[str], np.ndarray]:
    names = sorted({s for s, _, _ in turns})
    active = np.zeros((len(names), frames), dtype=bool)
    for speaker, start, end in turns:
        active[names.index(speaker), int(round(start / FRAME)) : int(round(end / FRAME))] = True
    return names, active


def score(reference: Turns, hypothesis: Turns, collar: float = 0.0) -> DerReport:
    end = max([e for _, _, e in list(reference) + list(hypothesis)] + [0.0])
    frames = int(np.ceil(end / FRAME)) + 1
    ref_names, ref = _matrix(reference, frames)
    hyp_names, hyp = _matrix(hypothesis, frames)
    scored = np.ones(frames, dtype=bool)
    if collar > 0:
        width = int(round(collar / FRAME))
        for _, start, stop in reference:
            for edge in (int(round(start / FRAME)), int(round(stop / FRAME))):
                scored[max(0, edge - width) : edge + width] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    ref_count, hyp_count = ref.sum(axis=0), hyp.sum(axis=0)
    together = (ref[:, None, :] & hyp[None, :, :]).sum(axis=2)  # frames each pair shares
    matched = _best_mapping(together)
    correct = np.minimum(ref_count, hyp_count).sum() - matched
    return DerReport(
        reference_seconds=float(ref_count.sum()) * FRAME,
        missed=float(np.maximum(ref_count - hyp_count, 0).sum()) * FRAME,
        false_alarm=float(np.maximum(hyp_count - ref_count, 0).sum()) * FRAME,
        confusion=float(correct) * FRAME,
        reference_speakers=len(ref_names),
        hypothesis_speakers=len(hyp_names),
    )


def _best_mapping(together: np.ndarray) -> int:
    """The most frames a one-to-one mapping of hypothesis to reference speakers gets right."""
    refs, hyps = together.shape
    if refs == 0 or hyps == 0:
        return 0
    if min(refs, hyps) <= EXACT_MAPPING_LIMIT and max(refs, hyps) <= EXACT_MAPPING_LIMIT:
        if refs >= hyps:
            return max(sum(together[r, h] for h, r in enumerate(p)) for p in itertools.permutations(range(refs), hyps))
        return max(sum(together[r, h] for r, h in enumerate(p)) for p in itertools.permutations(range(hyps), refs))
    total, left = 0, together.astype(np.int64).copy()
    for _ in range(min(refs, hyps)):
        r, h = divmod(int(np.argmax(left)), hyps)
        total += int(left[r, h])
        left[r, :], left[:, h] = -1, -1
    return total

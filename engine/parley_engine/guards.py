"""Decoding guards, applied to every transcript whatever path decoded it: a segment is dropped
when faster-whisper's own rules would distrust it (no-speech probability with a low
log-probability; a compression ratio that means repetition), when it repeats one phrase in a
loop, when it holds no word at all, or when it lies away from any speech the gate found.
"""

import logging
import re
from typing import List, Optional

from .speech import SpeechMap
from .whisper_backend import Segment, Transcript
from .whisper_internals import DEFAULTS

logger = logging.getLogger(__name__)

# faster-whisper's own defaults, read from it: beyond these a decoding is not trusted (and a
# transcript whose mean log-probability is under the floor is marked low confidence).
COMPRESSION_RATIO_LIMIT = DEFAULTS.compression_ratio_threshold
LOGPROB_FLOOR = DEFAULTS.log_prob_threshold
NO_SPEECH_LIMIT = 0.6
# Speech under a segment that outweighs a high no-speech probability (faster-whisper's rule
# would drop, for example, espeak German translated to English at 0.606 and -1.13).
CONFIRMING_SPEECH_SECONDS = 1.0
# A phrase of up to this many words repeated back to back this often is a decoding loop.
LOOP_MAX_WORDS = 8
LOOP_REPEATS = 4

_WORD = re.compile(r"\w+", re.UNICODE)


def repetition_loop(text: str) -> bool:
    """Whether some phrase of 1–8 words repeats at least 4 times in a row (6 for one word)."""
    words = [w.lower() for w in _WORD.findall(text)]
    for size in range(1, LOOP_MAX_WORDS + 1):
        needed = LOOP_REPEATS + (2 if size == 1 else 0)
        for start in range(0, max(0, len(words) - size * needed + 1)):
            phrase = words[start : start + size]
            repeats = 1
            while words[start + repeats * size : start + (repeats + 1) * size] == phrase:
                repeats += 1
                if repeats >= needed:
                    return True
    return False


def distrust(segment: Segment, speech: SpeechMap) -> Optional[str]:
    """Why ``segment`` must not reach the result, or None to keep it."""
    if not _WORD.search(segment.text):
        return "no_words"
    if segment.compression_ratio is not None and segment.compression_ratio > COMPRESSION_RATIO_LIMIT:
        return "compression_ratio"
    if repetition_loop(segment.text):
        return "repetition"
    if not speech.carries(segment.start, segment.end, [(w.start, w.end) for w in segment.words or []]):
        return "outside_speech"
    # Whisper's no-speech probability decides, unless the gate heard a second of speech under it.
    if (
        segment.no_speech_prob is not None and segment.no_speech_prob > NO_SPEECH_LIMIT
        and speech.seconds_within(segment.start, segment.end) < CONFIRMING_SPEECH_SECONDS
    ):
        return "no_speech"
    return None


def guard(transcript: Transcript, speech: SpeechMap) -> Transcript:
    """The transcript without distrusted segments, with the speech found and a confidence summary."""
    kept: List[Segment] = []
    for segment in transcript.segments:
        reason = distrust(segment, speech)
        if reason is None:
            kept.append(segment)
        elif reason != "no_words":
            transcript.dropped_segments += 1
            logger.info("dropped a segment (%s): %.60r", reason, segment.text)
    transcript.segments = kept
    transcript.text = " ".join(s.text for s in kept if s.text).strip()
    transcript.speech_seconds = round(speech.seconds, 3)
    scored = [(s.end - s.start, s.avg_logprob) for s in kept if s.avg_logprob is not None]
    weight = sum(max(d, 0.01) for d, _ in scored)
    transcript.avg_logprob = round(sum(max(d, 0.01) * p for d, p in scored) / weight, 4) if scored else None
    if transcript.avg_logprob is not None and transcript.avg_logprob < LOGPROB_FLOOR:
        transcript.low_confidence = True
    if not kept and speech.has_speech:
        transcript.low_confidence = True  # speech was heard, but no decoding of it was believable
    return transcript

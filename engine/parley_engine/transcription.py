"""The `transcribe` operation: decode every item; pass it through the speech gate (an item
without speech gets an empty transcript, undecoded); transcribe short items and VAD chunks
of long ones as trimmed windows batched across items (see ``windowed``); batch the
one-window items that need full 30 s windows; run the rest one by one; add Whisper's
speech-to-English when asked; and pass every transcript through the same decoding guards.
A batched decoding left with nothing believable where the gate heard speech runs again alone.

Items longer than ``WHOLE_DECODE_SECONDS``, and items past the call's ``CALL_HELD_SECONDS``
of decoded audio, are not held whole: they stream through the same steps piece by piece
(see ``longform``), one item at a time, and report progress after each piece.

A diarized item (``diarize`` in its options) is decoded with word times, then labelled with
its speaker turns (``speakers``); a streamed one keeps each piece's speaker windows."""

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .asr_router import AsrRouter
from .audio import DECODE_BLOCK_SECONDS, SAMPLING_RATE, blocks, duration_seconds
from .batched import fits_one_window, transcribe_batch
from .guards import guard
from .longform import join, join_translations, on_item_time, pieces
from .speakers import Diarization, SpeakerService
from .speech import SpeechMap, find_speech
from .windowed import WindowRequest, transcribe_windowed, windowable
from .errors import EngineError, unsupported_language_pair
from .faults import crash_if_marked, delay_piece
from .whisper_backend import TranscribeOptions, Transcript

logger = logging.getLogger(__name__)

MAX_BATCH = 16
# Items up to this long are decoded whole and batched across the call; longer ones stream.
WHOLE_DECODE_SECONDS = 600.0
# Decoded audio a call holds at once over all its whole items (110 MB of float32); items
# past it stream too, so a call's memory does not grow with its items' durations either.
CALL_HELD_SECONDS = 1800.0

# Told an item's id and how many of its seconds are done, after each piece of a long item.
Progress = Callable[[str, float], None]


@dataclass
class _Item:
    id: str
    samples: Optional[np.ndarray]
    options: TranscribeOptions
    translate_to: Optional[str]
    decode_seconds: float = 0.0
    infer_seconds: float = 0.0
    diarize_seconds: float = 0.0
    # None until the gate has looked (a long item's pieces come with theirs).
    speech: Optional[SpeechMap] = None
    # Where the item's bytes lie in the call's payload, and whether it streams.
    span: Tuple[int, int] = (0, 0)
    streams: bool = False
    language_given: bool = False
    transcript: Optional[Transcript] = None
    error: Optional[EngineError] = None
    extra: Dict[str, dict] = field(default_factory=dict)
    diarization: Optional[Diarization] = None


@dataclass
class Strategy:
    """How a call's items share the model (see the README's Throughput section)."""

    # Batch items of a call through the model together at all.
    batching: bool = True
    # Trimmed encoder windows for short items.
    windowing: bool = True
    # Batched VAD chunks for long items (else faster-whisper's sequential path).
    chunking: bool = True
    # Pack short items of one given language end to end into shared windows.
    packing: bool = False


def transcribe_items(
    router: AsrRouter, items: List[dict], payload: bytes, strategy: Optional[Strategy] = None,
    progress: Optional[Progress] = None, speakers: Optional[SpeakerService] = None,
) -> List[dict]:
    strategy, speakers = strategy or Strategy(), speakers or SpeakerService()
    work, held = [], CALL_HELD_SECONDS
    for item in items:
        w = _decode(item, payload, min(WHOLE_DECODE_SECONDS, held))
        if w.samples is not None:
            held -= duration_seconds(w.samples)
        work.append(w)
    _transcribe_decoded(router, [w for w in work if w.samples is not None], strategy)
    for w in work:
        if w.samples is not None and w.diarization is not None:
            _diarize(speakers, w, w.samples)
    for w in work:
        if w.streams:
            _run_long(router, w, payload[w.span[0] : w.span[0] + w.span[1]], strategy, progress, speakers)
    return [_result(w) for w in work]


def _diarize(speakers: SpeakerService, w: _Item, samples: Optional[np.ndarray]) -> None:
    """Embeds the speech of ``samples`` (a whole item's; None for a streamed item, whose pieces
    added theirs) and labels the transcript with the speaker turns; no text, no turns."""
    if w.error is not None or w.transcript is None:
        return
    started = time.perf_counter()
    try:
        if samples is not None and w.transcript.text:
            w.diarization.windows.add(speakers.encoder(), samples, speech=w.speech)
        w.diarization.finish(w.transcript, w.extra.get("translation"))
    except EngineError as exc:
        w.error = exc
    w.diarize_seconds += time.perf_counter() - started


def _transcribe_decoded(router: AsrRouter, ready: List[_Item], strategy: Strategy) -> None:
    for w in ready:
        _gate(router, w)
    heard = [w for w in ready if w.transcript is None]
    shared = [w for w in heard if strategy.batching and router.fallback is None and not w.translate_to]
    languages = router.primary.languages
    _run_windowed(router, [
        w for w in shared
        if windowable(w.samples, w.options, strategy.windowing, strategy.chunking)
        and (w.options.language is None or w.options.language in languages)
    ], strategy.packing)
    batchable = [w for w in shared if w.transcript is None and fits_one_window(w.samples, w.options)]
    for start in range(0, len(batchable), MAX_BATCH):
        _run_batch(router, batchable[start : start + MAX_BATCH])
    for w in shared:
        if w.transcript is None:
            continue
        guarded = guard(w.transcript, w.speech)
        if guarded.dropped_segments or not guarded.segments:
            # Text the guards distrust, or none where the gate heard speech: the item runs
            # alone, on its speech only.
            w.transcript = None
    for w in heard:
        if w.transcript is None and w.error is None:
            _run_alone(router, w)


def _run_long(
    router: AsrRouter, w: _Item, data: bytes, strategy: Strategy, progress: Optional[Progress], speakers: SpeakerService,
) -> None:
    """Transcribes a long item piece by piece; the first piece with text fixes the language
    of the rest, as faster-whisper's detection on the first 30 s does for the whole. A diarized
    item keeps each piece's speaker windows (not its audio) for the turns at the end."""
    started, options = time.perf_counter(), w.options
    parts, translations, spans, done = [], [], [], 0.0
    try:
        for piece in pieces(data):
            done = piece.offset + piece.seconds
            piece = piece.trimmed()
            sub = _Item(id=w.id, samples=piece.samples, options=replace(options), translate_to=w.translate_to,
                        speech=piece.speech)
            _transcribe_decoded(router, [sub], strategy)
            if sub.error is not None:
                w.error = sub.error
                return
            parts.append((piece.offset, sub.transcript))
            if w.translate_to:
                translations.append((piece.offset, sub.extra["translation"]))
            spans.extend(on_item_time(piece))
            if options.language is None and sub.transcript.text:
                options = replace(options, language=sub.transcript.language)
            w.infer_seconds += sub.infer_seconds
            if w.diarization is not None and sub.transcript.text:
                embedded = time.perf_counter()
                w.diarization.windows.add(speakers.encoder(), piece.samples, piece.offset, piece.speech)
                w.diarize_seconds += time.perf_counter() - embedded
            del piece, sub  # the next piece gathers without this one's samples
            delay_piece()
            if progress is not None:
                progress(w.id, done)
    except EngineError as exc:
        w.error = exc
        return
    w.transcript = guard(join(parts, done), SpeechMap(spans))
    if translations:
        w.extra["translation"] = join_translations(translations)
    if w.diarization is not None:
        _diarize(speakers, w, None)
    w.decode_seconds = time.perf_counter() - started - w.infer_seconds - w.diarize_seconds


def _gate(router: AsrRouter, w: _Item) -> None:
    """Finds the item's speech; an item without any gets its (empty) transcript here."""
    if w.speech is None:
        started = time.perf_counter()
        w.speech = find_speech(w.samples)
        w.decode_seconds += time.perf_counter() - started
    if w.speech.has_speech:
        return
    w.transcript = Transcript.silent(duration_seconds(w.samples), router.primary.name, w.options.language, w.options.task)
    if w.translate_to:
        w.extra["translation"] = {"text": "", "language": w.translate_to, "model": f"{router.primary.name}:translate", "segments": []}


def _decode(item: dict, payload: bytes, whole_seconds: float) -> _Item:
    """The item with its samples when it lasts at most ``whole_seconds``, else marked to stream."""
    offset, length = int(item.get("offset", 0)), int(item.get("length", 0))
    options = TranscribeOptions.from_dict(item.get("options", {}))
    w = _Item(id=item["id"], samples=None, options=options, translate_to=item.get("translate_to"),
              language_given=options.language is not None, span=(offset, length), diarization=Diarization.asked(options))
    started = time.perf_counter()
    data = payload[offset : offset + length]
    crash_if_marked(data)
    parts, held = [], 0
    decoding = blocks(data, DECODE_BLOCK_SECONDS)
    try:
        for block in decoding:
            held += block.shape[0]
            if held > whole_seconds * SAMPLING_RATE:
                w.streams = True
                break
            parts.append(block)
        else:
            w.samples = parts[0] if len(parts) == 1 else np.concatenate(parts)
    except EngineError as exc:
        w.error = exc
    finally:
        decoding.close()
    w.decode_seconds = time.perf_counter() - started
    return w


def _run_windowed(router: AsrRouter, group: List[_Item], packing: bool) -> None:
    if not group:
        return
    started = time.perf_counter()
    try:
        transcripts = transcribe_windowed(router.primary, [WindowRequest(w.samples, w.options) for w in group], packing)
    except Exception:
        logger.exception("windowed transcription of %d items failed; running them on 30 s windows", len(group))
        return
    share = (time.perf_counter() - started) / len(group)
    for w, transcript in zip(group, transcripts):
        w.transcript, w.infer_seconds = transcript, share


def _run_batch(router: AsrRouter, group: List[_Item]) -> None:
    started = time.perf_counter()
    try:
        transcripts = transcribe_batch(router.primary, [w.samples for w in group], [w.options for w in group])
    except Exception:
        logger.exception("batched transcription of %d items failed; running them one by one", len(group))
        return
    share = (time.perf_counter() - started) / len(group)
    for w, transcript in zip(group, transcripts):
        w.transcript, w.infer_seconds = transcript, share  # None: the item runs alone next


def _run_alone(router: AsrRouter, w: _Item) -> None:
    started = time.perf_counter()
    try:
        w.transcript = guard(router.transcribe(w.samples, w.options), w.speech)
        if w.translate_to:
            w.extra["translation"] = _speech_to_english(router, w)
    except EngineError as exc:
        w.error = exc
    except MemoryError:
        logger.error("item %s: out of memory", w.id)
        w.error = EngineError("engine_out_of_memory", "the engine ran out of memory on this item", retryable=True)
    except Exception as exc:  # one bad item never fails its batch
        logger.exception("item %s failed", w.id)
        w.error = EngineError("engine_error", f"{type(exc).__name__}: {exc}", retryable=True)
    w.infer_seconds = time.perf_counter() - started


def _speech_to_english(router: AsrRouter, w: _Item) -> dict:
    if w.translate_to != "en":
        raise unsupported_language_pair(w.transcript.language, w.translate_to)
    translation = w.transcript
    if w.transcript.language != "en":
        w.options.task, w.options.language = "translate", w.transcript.language
        translation = guard(router.transcribe(w.samples, w.options), w.speech)
    return {
        "text": translation.text,
        "language": "en",
        "model": f"{translation.model}:translate",
        "segments": [s.__dict__ for s in translation.segments],
    }


def _result(w: _Item) -> dict:
    if w.error is not None:
        return {"id": w.id, "ok": False, "error": w.error.to_dict()}
    if not w.transcript.text and not w.language_given:
        # No believable text: no language is claimed for it either.
        w.transcript.language, w.transcript.language_probability = None, 0.0
    result = dict(w.transcript.to_dict(), **w.extra)
    result["timings"] = {"decode": round(w.decode_seconds, 4), "infer": round(w.infer_seconds, 4)}
    if w.diarization is not None:
        result["timings"]["diarize"] = round(w.diarize_seconds, 4)
    return {"id": w.id, "ok": True, "result": result}

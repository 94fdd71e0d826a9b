"""Whisper through faster-whisper (CTranslate2): loading and per-item transcription."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional, Sequence, TypeVar

import numpy as np

from .audio import duration_seconds
from .errors import EngineError

logger = logging.getLogger(__name__)

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class TranscribeOptions:
    """Per-item decoding options; ``language`` None means detect."""

    language: Optional[str] = None
    task: str = "transcribe"
    beam_size: Optional[int] = None
    vad_filter: bool = False
    word_timestamps: bool = False
    # Speaker diarization, and what the client said of the speaker count.
    diarize: bool = False
    num_speakers: Optional[int] = None
    min_speakers: Optional[int] = None
    max_speakers: Optional[int] = None
    temperature: float = 0.0
    initial_prompt: Optional[str] = None

    @classmethod
    def from_dict(cls, raw: dict) -> "TranscribeOptions":
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in raw.items() if k in known and v is not None})


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float
    # Who said it (``SPEAKER_00``…), when the item is diarized.
    speaker: Optional[str] = None


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: Optional[List[Word]] = None
    # The decoding's confidence, with OpenAI's and faster-whisper's names.
    avg_logprob: Optional[float] = None
    no_speech_prob: Optional[float] = None
    compression_ratio: Optional[float] = None
    # Who said it (``SPEAKER_00``…), when the item is diarized.
    speaker: Optional[str] = None


@dataclass
class Transcript:
    text: str
    # None when the item holds no speech and no language was given.
    language: Optional[str]
    language_probability: float
    duration: float
    model: str
    task: str = "transcribe"
    segments: List[Segment] = field(default_factory=list)
    # The speech gate's verdict: no speech found, so nothing was decoded.
    no_speech: bool = False
    # Seconds of speech the gate found.
    speech_seconds: Optional[float] = None
    # Duration-weighted mean log-probability of the kept segments.
    avg_logprob: Optional[float] = None
    # Speech was heard but its decoding is doubtful (low log-probability, or nothing believable).
    low_confidence: bool = False
    # Segments the decoding guards removed (repetition, no speech under them, ...).
    dropped_segments: int = 0
    # Diarization (when asked): the speaker turns and how many speakers they hold.
    speaker_turns: Optional[List[dict]] = None
    speaker_count: Optional[int] = None

    @classmethod
    def silent(cls, duration: float, model: str, language: Optional[str], task: str) -> "Transcript":
        """The result for audio without speech: no text, and no language claimed."""
        return cls(text="", language=language, language_probability=0.0, duration=round(duration, 3),
                   model=model, task=task, no_speech=True, speech_seconds=0.0)

    def to_dict(self) -> dict:
        """The wire form; speaker fields only where the item was diarized."""
        return _without_unset_speakers(asdict(self))


@dataclass
class DeviceChoice:
    device: str
    compute_type: str


def choose_device(device: str = "auto", compute_type: str = "default") -> DeviceChoice:
    """``auto`` picks CUDA when CTranslate2 sees a GPU, else CPU; int8 on CPU, float16 on CUDA."""
    import ctranslate2

    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "default":
        compute_type = "float16" if device == "cuda" else "int8"
    return DeviceChoice(device=device, compute_type=compute_type)


class WhisperBackend:
    """One loaded Whisper model; ``workers`` calls from as many threads decode at once, over
    one copy of the weights (CTranslate2's ``inter_threads``)."""

    def __init__(self, name: str, path: str, device: DeviceChoice, threads: int, beam_size: int = 5, workers: int = 1):
        missing = [f for f in REQUIRED_FILES if not os.path.isfile(os.path.join(path, f))]
        if missing:
            raise EngineError(
                "model_unavailable", f"model directory {path!r} lacks {', '.join(missing)}"
            )
        from faster_whisper import WhisperModel

        self.name = name
        self.device = device
        self.beam_size = beam_size
        self.workers = max(1, workers)
        # Steps of a call (``run_each``) share this pool across every call of the process, so at
        # most ``workers`` steps, and the memory each holds, are in flight at once.
        self._steps = (
            ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"{name}-step") if self.workers > 1 else None
        )
        logger.info("loading %s from %s on %s/%s", name, path, device.device, device.compute_type)
        self.model = WhisperModel(
            path,
            device=device.device,
            compute_type=device.compute_type,
            cpu_threads=threads,
            num_workers=workers,
            local_files_only=True,
        )
        self.languages = set(self.model.supported_languages)

    def run_each(self, step: Callable[[T], R], items: Sequence[T]) -> List[R]:
        """``step`` of every item, in order, spread over the model's workers (in turn with one)."""
        if self._steps is None or len(items) < 2:
            return [step(item) for item in items]
        return list(self._steps.map(step, items))

    def transcribe(self, samples: np.ndarray, options: TranscribeOptions) -> Transcript:
        if options.language is not None and options.language not in self.languages:
            raise EngineError(
                "unsupported_language", f"{self.name} does not know language {options.language!r}"
            )
        segments, info = self.model.transcribe(
            samples,
            language=options.language,
            task=options.task,
            beam_size=options.beam_size or self.beam_size,
            # Only the speech Silero VAD finds is decoded (faster-whisper maps times back), so
            # music or silence around it yields no text: the speech gate's rule on this path.
            vad_filter=True,
            word_timestamps=options.word_timestamps,
            temperature=options.temperature,
            initial_prompt=options.initial_prompt,
            condition_on_previous_text=False,
            # Whether a window without believable speech is dropped is the guards' call, with
            # the speech gate's map in hand (``guards``), on this path as on the batched ones.
            no_speech_threshold=None,
        )
        collected = [
            Segment(
                start=round(s.start, 3),
                end=round(s.end, 3),
                text=s.text.strip(),
                words=_words(s.words) if options.word_timestamps else None,
                avg_logprob=round(float(s.avg_logprob), 4),
                no_speech_prob=round(float(s.no_speech_prob), 4),
                compression_ratio=round(float(s.compression_ratio), 4),
            )
            for s in segments
        ]
        return Transcript(
            text=" ".join(s.text for s in collected if s.text).strip(),
            language=info.language,
            language_probability=round(float(info.language_probability), 4),
            duration=round(duration_seconds(samples), 3),
            model=self.name,
            task=options.task,
            segments=collected,
        )


def _words(words) -> List[Word]:
    """faster-whisper's word timings, rounded like segment times; words keep their leading space."""
    return [
        Word(start=round(w.start, 3), end=round(w.end, 3), word=w.word, probability=round(float(w.probability), 4))
        for w in words or []
    ]


def _without_unset_speakers(result: dict) -> dict:
    for key in ("speaker_turns", "speaker_count"):
        if result.get(key) is None:
            result.pop(key, None)
    for segment in result.get("segments") or []:
        if segment.get("speaker") is None:
            segment.pop("speaker", None)
        for word in segment.get("words") or []:
            if word.get("speaker") is None:
                word.pop("speaker", None)
    return result

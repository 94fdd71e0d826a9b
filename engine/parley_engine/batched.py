"""Cross-item batching: the 30 s windows of many short items go through Whisper's
encoder and decoder as one batch, instead of one `transcribe` call per item.

Whisper pads every item to a 30 s window, so for short clips the encoder
dominates; batching windows of different items (each with its own language and
task prompt) amortises it. Items longer than one window keep the per-item path.
"""

import logging
from typing import List, Optional

import numpy as np

from .whisper_backend import Segment, TranscribeOptions, Transcript, WhisperBackend

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 30.0


def fits_one_window(samples: np.ndarray, options: TranscribeOptions, sampling_rate: int = 16000) -> bool:
    """Whether an item can join a batch: one window, no VAD, no word timestamps, greedy-or-beam decoding."""
    return samples.shape[0] <= WINDOW_SECONDS * sampling_rate and not options.vad_filter and not options.word_timestamps


def transcribe_batch(backend: WhisperBackend, items: List[np.ndarray], options: List[TranscribeOptions]) -> List[Transcript]:
    """Transcribes one-window items together; returns one transcript per item, in order."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_compression_ratio  # noqa: F401  (kept for parity checks)

    model = backend.model
    frames = model.feature_extractor.nb_max_frames
    features = np.stack([_pad(model.feature_extractor(samples), frames) for samples in items])
    encoder_output = model.encode(features)
    detected: List[Optional[tuple]] = [None] * len(items)
    if any(option.language is None for option in options):
        for index, ranked in enumerate(model.model.detect_language(encoder_output)):
            token, probability = ranked[0]
            detected[index] = (token[2:-2], probability)
    tokenizers, prompts = [], []
    for index, option in enumerate(options):
        language = option.language or detected[index][0]
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=option.task, language=language)
        tokenizers.append(tokenizer)
        prompts.append(model.get_prompt(tokenizer, previous_tokens=[], without_timestamps=False))
    beam = max(option.beam_size or backend.beam_size for option in options)
    results = model.model.generate(
        encoder_output,
        prompts,
        beam_size=beam,
        max_length=model.max_length,
        suppress_blank=True,
        suppress_tokens=[-1],
        return_no_speech_prob=True,
        max_initial_timestamp_index=50,
    )
    transcripts = []
    for index, result in enumerate(results):
        tokenizer = tokenizers[index]
        duration = items[index].shape[0] / 16000
        pieces, _, _ = model._split_segments_by_timestamps(
            tokenizer=tokenizer, tokens=result.sequences_ids[0], time_offset=0.0,
            segment_size=frames, segment_duration=WINDOW_SECONDS, seek=0,
        )
        segments = []
        for piece in pieces:
            text = tokenizer.decode(piece["tokens"]).strip()
            if text:
                segments.append(Segment(start=round(piece["start"], 3), end=round(min(piece["end"], duration), 3), text=text))
        language, probability = (options[index].language, 1.0) if options[index].language else detected[index]
        transcripts.append(Transcript(
            text=" ".join(s.text for s in segments).strip(), language=language,
            language_probability=round(float(probability), 4), duration=round(duration, 3),
            model=backend.name, task=options[index].task, segments=segments,
        ))
    return transcripts


def _pad(features: np.ndarray, frames: int) -> np.ndarray:
    if features.shape[-1] >= frames:
        return features[:, :frames]
    return np.pad(features, ((0, 0), (0, frames - features.shape[-1])))

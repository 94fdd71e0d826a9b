"""ASR routing: a primary Whisper model, and a fallback for languages the primary
does not serve or whose detection confidence is under a threshold.

A rare-language model (such as an Omnilingual ASR export) plugs in as the
fallback by configuration; here both slots hold CTranslate2 Whisper models.
"""

import json
import logging
from dataclasses import dataclass
from typing import Optional, Set

import numpy as np

from .whisper_backend import DeviceChoice, TranscribeOptions, Transcript, WhisperBackend

logger = logging.getLogger(__name__)


@dataclass
class AsrRouter:
    primary: WhisperBackend
    fallback: Optional[WhisperBackend] = None
    # Detection confidence under which the fallback serves the item.
    threshold: float = 0.0
    # Languages the primary serves; None means every language it knows.
    primary_languages: Optional[Set[str]] = None

    @property
    def languages(self) -> Set[str]:
        served = set(self.primary_languages or self.primary.languages)
        return served | (self.fallback.languages if self.fallback else set())

    def _primary_serves(self, language: str) -> bool:
        return language in (self.primary_languages or self.primary.languages)

    def transcribe(self, samples: np.ndarray, options: TranscribeOptions) -> Transcript:
        if self.fallback is None:
            return self.primary.transcribe(samples, options)
        if options.language is not None:
            backend = self.primary if self._primary_serves(options.language) else self.fallback
            return backend.transcribe(samples, options)
        language, probability, _ = self.primary.model.detect_language(samples)
        if self._primary_serves(language) and probability >= self.threshold:
            options.language = language
            transcript = self.primary.transcribe(samples, options)
            transcript.language_probability = round(float(probability), 4)
            return transcript
        logger.info("routing to %s: detected %s at %.2f", self.fallback.name, language, probability)
        return self.fallback.transcribe(samples, options)


def load_asr(
    name: str, path: str, config_path: Optional[str], device: DeviceChoice, threads: int, workers: int = 1
) -> AsrRouter:
    """Loads the primary model and, when the config file names one, the fallback; each runs
    ``workers`` decodes at once over one copy of its weights.

    The optional JSON config: ``{"beam_size": 5, "primary_languages": ["en"],
    "fallback": {"name": "...", "path": "...", "beam_size": 1}, "fallback_threshold": 0.5}``.
    """
    config = {}
    if config_path:
        with open(config_path, encoding="utf-8") as handle:
            config = json.load(handle)
    primary = WhisperBackend(name, path, device, threads, beam_size=config.get("beam_size", 5), workers=workers)
    fallback = None
    if config.get("fallback"):
        spec = config["fallback"]
        fallback = WhisperBackend(
            spec["name"], spec["path"], device, threads, beam_size=spec.get("beam_size", 5), workers=workers
        )
    languages = config.get("primary_languages")
    return AsrRouter(
        primary=primary,
        fallback=fallback,
        threshold=float(config.get("fallback_threshold", 0.0)),
        primary_languages=set(languages) if languages else None,
    )

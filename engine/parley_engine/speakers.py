"""Diarization of transcribed items: the speaker encoder, loaded when first needed, and the
step that turns an item's windows into turns and labels its transcript with them."""

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Optional

from .clustering import SpeakerCount
from .diarization import SpeakerWindows
from .errors import EngineError
from .speaker_encoder import SpeakerEncoder
from .speaker_labels import label, label_segments
from .whisper_backend import Transcript

logger = logging.getLogger(__name__)

# Where setup puts the encoder (``python -m parley_engine.speaker_assets``), unless
# ``PARLEY_SPEAKER_ENCODER`` says otherwise.
DEFAULT_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "models", "speaker-encoder", "pretrained.pt")


@dataclass
class SpeakerService:
    """The encoder for every request of the process: one copy of its 17 MB of weights, loaded
    by the first item that asks for diarization."""

    path: str = field(default_factory=lambda: os.environ.get("PARLEY_SPEAKER_ENCODER") or os.path.normpath(DEFAULT_PATH))
    _encoder: Optional[SpeakerEncoder] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def encoder(self) -> SpeakerEncoder:
        with self._lock:
            if self._encoder is None:
                if not os.path.isfile(self.path):
                    raise EngineError(
                        "diarization_unavailable",
                        f"the speaker encoder is not installed at {self.path} (scripts/setup.sh assembles it)")
                self._encoder = SpeakerEncoder.load(self.path)
            return self._encoder


@dataclass
class Diarization:
    """One item's diarization in progress: what the client asked, and its windows so far."""

    count: SpeakerCount
    keep_words: bool
    windows: SpeakerWindows = field(default_factory=SpeakerWindows)

    @classmethod
    def asked(cls, options) -> Optional["Diarization"]:
        """The item's diarization when its options ask for it; its decoding then keeps word
        times (segments split where the speaker changes), shown only if asked for too."""
        if not options.diarize:
            return None
        wanted = cls(SpeakerCount(options.num_speakers, options.min_speakers, options.max_speakers), options.word_timestamps)
        options.word_timestamps = True
        return wanted

    def finish(self, transcript: Transcript, translation: Optional[dict]) -> None:
        """Labels the transcript (and a speech translation's segments) with the speaker turns."""
        turns = self.windows.turns(self.count) if transcript.text else []
        label(transcript, turns, self.keep_words)
        if translation is not None and translation.get("segments"):
            translation["segments"] = label_segments(translation["segments"], turns)

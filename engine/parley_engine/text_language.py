"""Language identification for text items, per item, with py3langid's shipped model."""

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass
class DetectedLanguage:
    language: str
    probability: float


class TextLanguageDetector:
    """Wraps py3langid with normalised probabilities; the model ships inside the package."""

    def __init__(self):
        try:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError as exc:
            raise RuntimeError("py3langid is required for text language detection") from exc
        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(self, text: str) -> DetectedLanguage:
        language, probability = self._identifier.classify(text)
        return DetectedLanguage(language=str(language), probability=round(float(probability), 4))

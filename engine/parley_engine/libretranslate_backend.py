"""An external LibreTranslate-compatible service: ``POST /translate`` with ``q`` as a list."""

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import List, Optional, Set, Tuple

from .errors import EngineError

logger = logging.getLogger(__name__)


@dataclass
class LibreTranslateBackend:
    url: str
    api_key: Optional[str] = None
    name: str = "libretranslate"
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5

    def __post_init__(self):
        self.url = self.url.rstrip("/")
        self.languages: Optional[Set[str]] = self._fetch_languages()

    def _fetch_languages(self) -> Optional[Set[str]]:
        try:
            with urllib.request.urlopen(f"{self.url}/languages", timeout=self.timeout) as response:
                return {entry["code"] for entry in json.load(response)}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("%s: could not list languages (%s); trying any pair", self.name, exc)
            return None

    def pairs(self) -> Set[Tuple[str, str]]:
        return set()  # served through the router's external slot, not as direct pairs

    def translate(self, sentences: List[str], source: str, target: str) -> List[str]:
        body = {"q": sentences, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        data = json.dumps(body).encode("utf-8")
        last: Exception = RuntimeError("no attempt")
        for attempt in range(self.retries):
            request = urllib.request.Request(
                f"{self.url}/translate", data=data, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    translated = json.load(response)["translatedText"]
                if isinstance(translated, str):
                    translated = [translated]
                if len(translated) != len(sentences):
                    raise EngineError("translation_failed", f"{self.name} returned {len(translated)} of {len(sentences)} texts")
                return [str(t) for t in translated]
            except urllib.error.HTTPError as exc:
                if 400 <= exc.code < 500:
                    raise EngineError("unsupported_language_pair" if exc.code == 400 else "translation_failed",
                                      f"{self.name} refused {source}->{target}: HTTP {exc.code}") from exc
                last = exc
            except (OSError, ValueError, KeyError) as exc:
                last = exc
            time.sleep(self.backoff * (2**attempt))
        raise EngineError("translation_unavailable", f"{self.name} failed: {last}", retryable=True)

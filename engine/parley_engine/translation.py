"""Text translation: a registry of backends, per-item language detection, routing,
sentence splitting and batching across items, with each item's order kept."""

import json
import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .errors import EngineError, unsupported_language_pair
from .routing import Route, TranslationRouter
from .sentences import join_sentences, split_sentences
from .text_language import TextLanguageDetector

logger = logging.getLogger(__name__)

DEFAULT_REGISTRY = {"translators": [{"name": "bergamot", "family": "bergamot"}], "pivot": "en"}


def load_registry(path: Optional[str]) -> dict:
    """Reads a JSON or YAML registry file; no path means the shipped default (Bergamot en<->pt)."""
    if not path:
        return DEFAULT_REGISTRY
    if not os.path.isfile(path):
        raise EngineError("model_unavailable", f"translation registry {path!r} does not exist")
    with open(path, encoding="utf-8") as handle:
        if path.endswith((".yaml", ".yml")):
            import yaml

            return yaml.safe_load(handle) or {}
        return json.load(handle)


def build_backend(entry: dict, device: str, threads: int, workers: int = 1):
    family = entry.get("family", "marian")
    if family == "bergamot":
        from .bergamot_backend import BergamotBackend

        return BergamotBackend(name=entry.get("name", "bergamot"))
    from .ct2_backend import CT2Backend, CT2ModelConfig

    known = set(CT2ModelConfig.__dataclass_fields__)
    return CT2Backend(CT2ModelConfig(**{k: v for k, v in entry.items() if k in known}), device, threads, workers)


@dataclass
class TextItem:
    id: str
    texts: List[str]
    target: str
    source: Optional[str] = None


@dataclass
class _Work:
    item: TextItem
    route: Route
    source: str
    probability: float
    sentences: List[List[str]] = field(default_factory=list)


class TranslationService:
    """Owns the translation backends and answers ``translate`` requests."""

    def __init__(self, registry: dict, device: str, threads: int, workers: int = 1):
        self.backends = {}
        for entry in registry.get("translators", []):
            backend = build_backend(entry, device, threads, workers)
            self.backends[backend.name] = backend
        external = None
        external_languages = None
        if registry.get("external"):
            from .libretranslate_backend import LibreTranslateBackend

            config = registry["external"]
            known = set(LibreTranslateBackend.__dataclass_fields__)
            service = LibreTranslateBackend(**{k: v for k, v in config.items() if k in known})
            self.backends[service.name] = service
            external, external_languages = service.name, service.languages
        self.router = TranslationRouter(
            pairs={name: backend.pairs() for name, backend in self.backends.items() if backend.pairs()},
            external=external,
            external_languages=external_languages,
            pivot=registry.get("pivot", "en"),
        )
        self._detector: Optional[TextLanguageDetector] = None

    @property
    def detector(self) -> TextLanguageDetector:
        if self._detector is None:
            self._detector = TextLanguageDetector()
        return self._detector

    def capabilities(self) -> dict:
        return {
            "pairs": self.router.catalog(),
            "external": self.router.external,
            # An external service that lists no languages is asked for any pair.
            "any_pair": self.router.external is not None and self.router.external_languages is None,
        }

    def translate(self, items: List[TextItem]) -> Dict[str, dict]:
        """Translates every item; the value per id is a result dict or an ``EngineError``."""
        outcomes: Dict[str, object] = {}
        work: List[_Work] = []
        for item in items:
            try:
                work.append(self._plan(item))
            except EngineError as exc:
                outcomes[item.id] = exc
        for level in range(max((len(w.route.steps) for w in work), default=0)):
            groups: Dict[Tuple[str, str, str], List[_Work]] = defaultdict(list)
            for w in work:
                if level < len(w.route.steps) and w.item.id not in outcomes:
                    step = w.route.steps[level]
                    groups[(step.backend, step.source, step.target)].append(w)
            for (backend, source, target), members in groups.items():
                self._run_group(backend, source, target, members, outcomes)
        for w in work:
            if w.item.id not in outcomes:
                outcomes[w.item.id] = {
                    "texts": [join_sentences(s) for s in w.sentences],
                    "source": w.source,
                    "source_probability": w.probability,
                    "detected": w.item.source is None,
                    "route": w.route.kind,
                    "model": "+".join(w.route.backends) or "identity",
                }
        return outcomes

    def _plan(self, item: TextItem) -> _Work:
        source, probability = item.source, 1.0
        if source is None:
            detected = self.detector.detect(" ".join(item.texts))
            source, probability = detected.language, detected.probability
        route = self.router.route(source, item.target)
        if route is None:
            raise unsupported_language_pair(source, item.target)
        return _Work(item, route, source, probability, [split_sentences(t) for t in item.texts])

    def _run_group(self, backend: str, source: str, target: str, members: List[_Work], outcomes: Dict[str, object]) -> None:
        flat = [s for w in members for text in w.sentences for s in text]
        try:
            translated = self.backends[backend].translate(flat, source, target) if flat else []
        except EngineError as exc:
            for w in members:
                outcomes[w.item.id] = exc
            return
        except Exception as exc:
            logger.exception("%s failed on %d sentences", backend, len(flat))
            for w in members:
                outcomes[w.item.id] = EngineError("translation_failed", f"{backend}: {type(exc).__name__}", retryable=True)
            return
        cursor = 0
        for w in members:
            for index, text in enumerate(w.sentences):
                w.sentences[index] = translated[cursor : cursor + len(text)]
                cursor += len(text)

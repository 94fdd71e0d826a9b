"""Translation routing: which backend serves each language pair. Pure logic, no I/O.

Order of preference: the same language needs nothing; then a direct pair; then a
pivot through English when both legs exist (xx->en->yy); then the external
service, if one is configured and does not rule the pair out. Otherwise there is
no route and the item fails with ``unsupported_language_pair``.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

Pair = Tuple[str, str]


@dataclass(frozen=True)
class Step:
    backend: str
    source: str
    target: str


@dataclass(frozen=True)
class Route:
    steps: Tuple[Step, ...]
    kind: str  # identity, direct, pivot or external

    @property
    def backends(self) -> List[str]:
        return [step.backend for step in self.steps]


@dataclass
class TranslationRouter:
    """Routes pairs over backends, each of which serves a set of direct pairs."""

    pairs: Dict[str, Set[Pair]] = field(default_factory=dict)
    external: Optional[str] = None
    # Languages the external service serves; None means it was not told (try any pair).
    external_languages: Optional[Set[str]] = None
    pivot: str = "en"

    def _direct(self, source: str, target: str) -> Optional[str]:
        for backend in sorted(self.pairs):
            if (source, target) in self.pairs[backend]:
                return backend
        return None

    def route(self, source: str, target: str) -> Optional[Route]:
        if source == target:
            return Route(steps=(), kind="identity")
        direct = self._direct(source, target)
        if direct:
            return Route(steps=(Step(direct, source, target),), kind="direct")
        if self.pivot not in (source, target):
            first, second = self._direct(source, self.pivot), self._direct(self.pivot, target)
            if first and second:
                return Route(
                    steps=(Step(first, source, self.pivot), Step(second, self.pivot, target)), kind="pivot"
                )
        if self.external and (
            self.external_languages is None
            or (source in self.external_languages and target in self.external_languages)
        ):
            return Route(steps=(Step(self.external, source, target),), kind="external")
        return None

    def catalog(self) -> List[dict]:
        """Every routable pair with its kind and backends, for ``GET /v1/languages``."""
        languages = {lang for pairs in self.pairs.values() for pair in pairs for lang in pair}
        if self.external_languages:
            languages |= self.external_languages
        entries = []
        for source in sorted(languages):
            for target in sorted(languages):
                route = self.route(source, target) if source != target else None
                if route:
                    entries.append(
                        {"source": source, "target": target, "kind": route.kind, "backends": route.backends}
                    )
        return entries

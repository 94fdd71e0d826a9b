"""CTranslate2 translation models as users convert them: OPUS-MT/Marian, NLLB-200, M2M100.

A model directory holds ``model.bin`` and either ``source.spm``/``target.spm``
(Marian) or one shared SentencePiece model (``sentencepiece.bpe.model`` for
NLLB and M2M100, or ``shared.spm``). NLLB and M2M100 put the source language
token before the sentence and force the target language token first.
"""

import logging
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from .errors import EngineError

logger = logging.getLogger(__name__)

FAMILIES = ("marian", "nllb", "m2m100")
_SHARED_SPM = ("sentencepiece.bpe.model", "shared.spm", "spm.model")


@dataclass
class CT2ModelConfig:
    """One registry entry for a CTranslate2 translator."""

    name: str
    path: str
    family: str = "marian"
    # Marian models serve one pair; multilingual ones map ISO codes to their language tokens.
    source: Optional[str] = None
    target: Optional[str] = None
    languages: Dict[str, str] = field(default_factory=dict)
    beam_size: int = 4
    compute_type: str = "default"
    max_batch_size: int = 32
    max_decoding_length: int = 256


def _language_token(family: str, code: str) -> str:
    return f"__{code}__" if family == "m2m100" else code


class CT2Backend:
    """A loaded CTranslate2 translator with its SentencePiece models; ``workers`` threads may
    translate at once over one copy of the weights."""

    def __init__(self, config: CT2ModelConfig, device: str, threads: int, workers: int = 1):
        import ctranslate2
        import sentencepiece

        if config.family not in FAMILIES:
            raise EngineError("model_unavailable", f"unknown translation family {config.family!r}")
        if not os.path.isfile(os.path.join(config.path, "model.bin")):
            raise EngineError("model_unavailable", f"{config.path!r} holds no model.bin")
        self.config = config
        self.name = config.name
        shared = next((os.path.join(config.path, f) for f in _SHARED_SPM if os.path.isfile(os.path.join(config.path, f))), None)
        source_spm = os.path.join(config.path, "source.spm")
        target_spm = os.path.join(config.path, "target.spm")
        if os.path.isfile(source_spm) and os.path.isfile(target_spm):
            self._source_sp = sentencepiece.SentencePieceProcessor(model_file=source_spm)
            self._target_sp = sentencepiece.SentencePieceProcessor(model_file=target_spm)
        elif shared:
            self._source_sp = self._target_sp = sentencepiece.SentencePieceProcessor(model_file=shared)
        else:
            raise EngineError("model_unavailable", f"{config.path!r} holds no SentencePiece model")
        compute_type = config.compute_type
        if compute_type == "default":
            compute_type = "int8" if device == "cpu" else "float16"
        self._translator = ctranslate2.Translator(
            config.path, device=device, compute_type=compute_type, intra_threads=threads, inter_threads=workers
        )
        logger.info("loaded %s (%s) from %s", self.name, config.family, config.path)

    def pairs(self) -> Set[Tuple[str, str]]:
        if self.config.family == "marian":
            return {(self.config.source, self.config.target)} if self.config.source and self.config.target else set()
        codes = list(self.config.languages)
        return {(s, t) for s in codes for t in codes if s != t}

    def translate(self, sentences: List[str], source: str, target: str) -> List[str]:
        if (source, target) not in self.pairs():
            raise EngineError("unsupported_language_pair", f"{self.name} does not serve {source}->{target}")
        family = self.config.family
        tokens = [self._source_sp.encode(s, out_type=str) for s in sentences]
        prefix = None
        if family != "marian":
            src_token = _language_token(family, self.config.languages[source])
            tgt_token = _language_token(family, self.config.languages[target])
            tokens = [[src_token] + t + ["</s>"] for t in tokens]
            prefix = [[tgt_token]] * len(tokens)
        results = self._translator.translate_batch(
            tokens,
            target_prefix=prefix,
            beam_size=self.config.beam_size,
            max_batch_size=self.config.max_batch_size,
            max_decoding_length=self.config.max_decoding_length,
        )
        outputs = []
        for result in results:
            hypothesis = result.hypotheses[0]
            if prefix is not None and hypothesis:
                hypothesis = hypothesis[1:]
            outputs.append(self._target_sp.decode(hypothesis))
        return outputs

"""Sentence splitting for translation: models translate sentences, not documents."""

import re
from typing import List

# A sentence ends at . ! ? or their CJK/Devanagari forms, followed by whitespace.
_BOUNDARY = re.compile(r"(?<=[.!?。！？।॥])\s+")
_MAX_SENTENCE_CHARS = 400


def split_sentences(text: str) -> List[str]:
    """Splits ``text`` into sentences, keeping punctuation; long runs are cut at spaces."""
    sentences: List[str] = []
    for paragraph in text.splitlines():
        for sentence in _BOUNDARY.split(paragraph.strip()):
            sentence = sentence.strip()
            while len(sentence) > _MAX_SENTENCE_CHARS:
                cut = sentence.rfind(" ", 0, _MAX_SENTENCE_CHARS)
                cut = cut if cut > 0 else _MAX_SENTENCE_CHARS
                sentences.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def join_sentences(sentences: List[str]) -> str:
    return " ".join(s for s in sentences if s)

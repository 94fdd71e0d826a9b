"""Framing for the stdio protocol.

A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON
(the header). When the header has ``payload_length`` > 0, that many raw bytes
follow the header: audio travels there, never as base64 inside JSON.
"""

import json
import logging
import struct
from dataclasses import dataclass
from typing import BinaryIO, Optional

logger = logging.getLogger(__name__)

# A header holds a call's answers: a 4-hour transcript with word times is a few MB.
MAX_HEADER_BYTES = 64 * 1024 * 1024
MAX_PAYLOAD_BYTES = 2 * 1024 * 1024 * 1024 - 1


class ProtocolError(RuntimeError):
    """The peer sent something that is not a valid frame."""


@dataclass
class Frame:
    header: dict
    payload: bytes = b""


def _read_exact(stream: BinaryIO, size: int) -> Optional[bytes]:
    chunks = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            if remaining == size:
                return None
            raise ProtocolError(f"stream ended {remaining} bytes short of a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO) -> Optional[Frame]:
    """Reads one frame; returns None on a clean end of stream."""
    prefix = _read_exact(stream, 4)
    if prefix is None:
        return None
    (length,) = struct.unpack(">I", prefix)
    if length == 0 or length > MAX_HEADER_BYTES:
        raise ProtocolError(f"header length {length} is out of range")
    raw = _read_exact(stream, length)
    if raw is None:
        raise ProtocolError("stream ended inside a frame header")
    try:
        header = json.loads(raw)
    except ValueError as exc:
        raise ProtocolError(f"header is not JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise ProtocolError("header is not a JSON object")
    payload_length = int(header.get("payload_length", 0) or 0)
    if payload_length < 0 or payload_length > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"payload length {payload_length} is out of range")
    payload = b""
    if payload_length:
        payload = _read_exact(stream, payload_length) or b""
        if len(payload) != payload_length:
            raise ProtocolError("stream ended inside a payload")
    return Frame(header=header, payload=payload)


def encode_header(header: dict) -> bytes:
    return json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fit_answer(header: dict, limit: int = MAX_HEADER_BYTES) -> dict:
    """The answer, with its largest per-item results replaced by a retryable
    ``engine_answer_too_large`` error until its header fits ``limit``, so an answer never
    breaks the framing (which the caller would take for a crash)."""
    results = header.get("results")
    if not isinstance(results, list) or len(encode_header(header)) <= limit:
        return header
    sized = sorted(range(len(results)), key=lambda i: len(encode_header(results[i])), reverse=True)
    results = list(results)
    for index in sized:
        logger.warning("item %s: its answer is too large for one frame", results[index].get("id"))
        results[index] = {"id": results[index].get("id"), "ok": False, "error": {
            "code": "engine_answer_too_large", "retryable": True,
            "message": "the item's result does not fit in one engine answer next to its batch's"}}
        if len(encode_header(dict(header, results=results))) <= limit:
            break
    return dict(header, results=results)


def write_frame(stream: BinaryIO, header: dict, payload: bytes = b"") -> None:
    """Writes one frame and flushes it."""
    if payload:
        header = dict(header, payload_length=len(payload))
    raw = encode_header(header)
    stream.write(struct.pack(">I", len(raw)))
    stream.write(raw)
    if payload:
        stream.write(payload)
    stream.flush()

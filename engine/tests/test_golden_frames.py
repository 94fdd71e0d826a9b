"""The frames in ``tests/golden`` are what the engine writes; the Swift suite decodes the same
files (``EngineGoldenFrameTests``), so both sides of the protocol are held to one example."""

import io
import json
import os

from parley_engine import PROTOCOL_VERSION
from parley_engine.errors import invalid_audio
from parley_engine.protocol import read_frame
from parley_engine.server import EngineSettings, Server
from parley_engine.transcription import _Item, _result
from parley_engine.whisper_backend import DeviceChoice, Segment, TranscribeOptions, Transcript, Word

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")


def _golden(name: str) -> dict:
    with open(os.path.join(GOLDEN, name)) as f:
        return json.load(f)


def _shape(value):
    """Keys all the way down (and the types of leaves), so two documents compare by shape."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def test_hello_answer_matches_the_golden_frame():
    server = Server(EngineSettings(DeviceChoice("cpu", "int8"), 1))
    answer = dict(server.handle(read_frame(_frame({"op": "hello", "id": "h"}))), id="h", ok=True)
    golden = _golden("hello_answer.json")
    assert answer["protocol"] == golden["protocol"] == PROTOCOL_VERSION
    assert _shape(answer) == _shape(golden)


def test_progress_frame_matches_the_golden_frame():
    written = io.BytesIO()
    server = Server(EngineSettings(DeviceChoice("cpu", "int8"), 1))
    server._transcribe = lambda frame, notify: notify({"item": "a", "seconds": 300.0}) or {"results": []}
    server.serve(_frame({"op": "transcribe", "id": "t", "model": "m"}), written)
    written.seek(0)
    assert read_frame(written).header == _golden("progress.json")
    assert read_frame(written).header == {"id": "t", "ok": True, "results": []}


def test_transcribe_answer_matches_the_golden_frame():
    words = [Word(0.0, 0.2, " He", 0.9)]
    transcript = Transcript("He was not an ill-disposed young man.", "en", 0.98, 2.99, "whisper-base",
                            segments=[Segment(0.0, 2.8, "He was not an ill-disposed young man.", words, -0.2, 0.01, 0.9)],
                            speech_seconds=2.99, avg_logprob=-0.2)
    good = _Item(id="a", samples=None, options=TranscribeOptions(), translate_to=None, transcript=transcript,
                 decode_seconds=0.01, infer_seconds=0.5)
    bad = _Item(id="b", samples=None, options=TranscribeOptions(), translate_to=None,
                error=invalid_audio("the audio could not be decoded"))
    answer = {"results": [_result(good), _result(bad)], "id": "t", "ok": True}
    golden = _golden("transcribe_answer.json")
    assert _shape(answer) == _shape(golden)
    assert answer == golden


def _frame(header: dict) -> io.BytesIO:
    from parley_engine.protocol import write_frame

    buffer = io.BytesIO()
    write_frame(buffer, header)
    buffer.seek(0)
    return buffer

import io
import struct

import pytest

from parley_engine.protocol import ProtocolError, read_frame, write_frame


def test_round_trip_without_payload():
    buf = io.BytesIO()
    write_frame(buf, {"op": "hello", "id": "1"})
    buf.seek(0)
    frame = read_frame(buf)
    assert frame.header == {"op": "hello", "id": "1"}
    assert frame.payload == b""
    assert read_frame(buf) is None


def test_round_trip_with_payload_sets_length():
    buf = io.BytesIO()
    write_frame(buf, {"op": "transcribe"}, b"\x00\x01\x02")
    write_frame(buf, {"op": "next"})
    buf.seek(0)
    first = read_frame(buf)
    assert first.header["payload_length"] == 3
    assert first.payload == b"\x00\x01\x02"
    assert read_frame(buf).header == {"op": "next"}


def test_unicode_header():
    buf = io.BytesIO()
    write_frame(buf, {"text": "नमस्ते தமிழ்"})
    buf.seek(0)
    assert read_frame(buf).header["text"] == "नमस्ते தமிழ்"


@pytest.mark.parametrize(
    "raw",
    [
        struct.pack(">I", 0),
        struct.pack(">I", 5) + b"ab",
        struct.pack(">I", 3) + b"abc",
        struct.pack(">I", 2) + b"[]",
        struct.pack(">I", 1 << 30),
        b"\x00\x00",
    ],
)
def test_malformed_frames_raise(raw):
    with pytest.raises(ProtocolError):
        read_frame(io.BytesIO(raw))


def test_truncated_payload_raises():
    buf = io.BytesIO()
    write_frame(buf, {"op": "x"}, b"abcdef")
    data = buf.getvalue()[:-2]
    with pytest.raises(ProtocolError):
        read_frame(io.BytesIO(data))


def test_an_answer_too_large_for_a_frame_fails_its_largest_items_only():
    from parley_engine.protocol import encode_header, fit_answer

    results = [{"id": f"i{n}", "ok": True, "result": {"text": "x" * size}} for n, size in enumerate([10, 5000, 20, 3000])]
    answer = {"id": "t", "ok": True, "results": results}
    assert fit_answer(answer, limit=10_000) is answer
    fitted = fit_answer(answer, limit=4_000)
    assert len(encode_header(fitted)) <= 4_000
    codes = [r.get("error", {}).get("code") for r in fitted["results"]]
    assert codes == [None, "engine_answer_too_large", None, None]
    assert fitted["results"][1]["error"]["retryable"] is True
    assert fit_answer({"id": "h", "ok": True, "version": "x" * 100}, limit=10) == {"id": "h", "ok": True, "version": "x" * 100}

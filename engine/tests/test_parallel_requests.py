"""One engine process answers several requests at once over one copy of the model."""

import subprocess
import sys

from conftest import ENGINE_DIR
from parley_engine.protocol import read_frame, write_frame


def _start(model_dir, parallel):
    proc = subprocess.Popen(
        [sys.executable, "-m", "parley_engine", "--device", "cpu", "--threads", "1", "--parallel", str(parallel)],
        cwd=ENGINE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    write_frame(proc.stdin, {"op": "hello", "id": "h"})
    assert read_frame(proc.stdout).header["ok"]
    write_frame(proc.stdin, {"op": "load", "id": "l", "model": "whisper-base", "path": model_dir})
    assert read_frame(proc.stdout).header["ok"]
    return proc


def _answers(proc, count):
    """The next ``count`` answers (progress frames skipped), by request id."""
    answers = {}
    while len(answers) < count:
        header = read_frame(proc.stdout).header
        if "progress" not in header:
            answers[header["id"]] = header
    return answers


def _stop(proc):
    write_frame(proc.stdin, {"op": "shutdown", "id": "s"})
    assert read_frame(proc.stdout).header["ok"]
    assert proc.wait(timeout=60) == 0


def test_requests_sent_together_all_get_their_own_answer(model_dir, english_wav, german_wav):
    requests = {
        "en": (english_wav, {"language": "en"}),
        "de": (german_wav, {}),
        "en-words": (english_wav, {"language": "en", "word_timestamps": True}),
        "bad": (b"garbage" * 50, {}),
    }

    def send_all(proc):
        # Every request is written before any answer is read: a parallel engine must keep reading.
        for rid, (audio, options) in requests.items():
            item = {"id": rid, "offset": 0, "length": len(audio), "options": options}
            write_frame(proc.stdin, {"op": "transcribe", "id": rid, "model": "whisper-base", "items": [item]}, audio)
        return _answers(proc, len(requests))

    parallel = _start(model_dir, 2)
    try:
        together = send_all(parallel)
    finally:
        _stop(parallel)
    serial = _start(model_dir, 1)
    try:
        one_by_one = send_all(serial)
    finally:
        _stop(serial)

    assert set(together) == set(requests)
    for rid in requests:
        assert together[rid]["id"] == rid
        assert next(iter(together[rid])) == "id", "the id comes first, so the caller need not parse the whole answer"
        assert [r["id"] for r in together[rid]["results"]] == [rid]
        # Deterministic decoding: the same text whether requests ran side by side or in turn.
        got, want = together[rid]["results"][0], one_by_one[rid]["results"][0]
        assert got["ok"] == want["ok"]
        if want["ok"]:
            assert got["result"]["text"] == want["result"]["text"]
            assert got["result"]["language"] == want["result"]["language"]
    assert together["bad"]["results"][0]["error"]["code"] == "invalid_audio"
    assert "ill disposed young man" in together["en"]["results"][0]["result"]["text"].lower().replace("-", " ")

"""Hours of audio through the real engine process: the engine's peak memory on a 3-hour file
stays within 150 MB of its peak on a 1-minute file, 3 hours of silence end quickly with an
empty transcript, and the call reports progress as it goes."""

import io
import os
import subprocess
import sys
import time
from typing import List, Tuple

import numpy as np
import pytest

from conftest import ENGINE_DIR, LIBRIVOX
from parley_engine.audio import SAMPLING_RATE, decode
from parley_engine.protocol import read_frame, write_frame

FLAT_MEMORY_BYTES = 150 * 1024 * 1024


def _flac(parts, seconds_per_frame: float = 10.0) -> bytes:
    """A 16 kHz mono FLAC of the float32 arrays that ``parts`` yields."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=SAMPLING_RATE, layout="mono")
        for samples in parts:
            pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
            step = int(seconds_per_frame * SAMPLING_RATE)
            for start in range(0, pcm.shape[0], step):
                frame = av.AudioFrame.from_ndarray(pcm[None, start : start + step], format="s16", layout="mono")
                frame.sample_rate = SAMPLING_RATE
                container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def _run(model_dir: str, data: bytes) -> Tuple[dict, List[dict], float, int]:
    """One transcribe call on a fresh engine: the result, the progress frames, the call's
    seconds, and the process's peak resident memory in bytes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "parley_engine", "--device", "cpu", "--threads", "2"],
        cwd=ENGINE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    try:
        write_frame(proc.stdin, {"op": "load", "id": "l", "model": "whisper-base", "path": model_dir})
        assert read_frame(proc.stdout).header["ok"]
        started = time.monotonic()
        write_frame(proc.stdin, {"op": "transcribe", "id": "t", "model": "whisper-base",
                                 "items": [{"id": "a", "offset": 0, "length": len(data)}]}, data)
        progress = []
        while True:
            header = read_frame(proc.stdout).header
            if "progress" not in header:
                break
            progress.append(header["progress"])
        elapsed = time.monotonic() - started
        with open(f"/proc/{proc.pid}/status") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
        assert header["ok"], header
        write_frame(proc.stdin, {"op": "shutdown", "id": "s"})
        assert proc.wait(timeout=60) == 0
        return header["results"][0], progress, elapsed, peak
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def one_minute_of_speech() -> bytes:
    """The five LibriVox clips, each followed by a pause, padded to one minute."""
    clips = [decode(open(os.path.join(LIBRIVOX, name), "rb").read()) for name in sorted(os.listdir(LIBRIVOX))
             if name.endswith(".wav")]
    pause = np.zeros(4 * SAMPLING_RATE, dtype=np.float32)
    joined = np.concatenate([part for clip in clips for part in (clip, pause)])
    return _flac([np.concatenate([joined, np.zeros(60 * SAMPLING_RATE - joined.shape[0], dtype=np.float32)])])


def test_three_hours_of_silence_end_quickly_empty_and_in_flat_memory(model_dir, one_minute_of_speech):
    block = np.zeros(60 * SAMPLING_RATE, dtype=np.float32)
    three_hours = _flac(block for _ in range(180))
    short, _, short_seconds, short_peak = _run(model_dir, one_minute_of_speech)
    assert short["ok"] and len(short["result"]["text"].split()) >= 40, short
    long, progress, long_seconds, long_peak = _run(model_dir, three_hours)
    print(f"1 min: {short_seconds:.1f} s, peak {short_peak / 2**20:.0f} MiB; "
          f"3 h silent FLAC ({len(three_hours) / 2**20:.1f} MiB): {long_seconds:.1f} s, peak {long_peak / 2**20:.0f} MiB")
    assert long["ok"], long
    result = long["result"]
    assert result["text"] == "" and result["segments"] == [] and result["no_speech"]
    assert result["language"] is None and result["duration"] == pytest.approx(10800, abs=0.1)
    assert long_peak - short_peak < FLAT_MEMORY_BYTES
    assert [p["item"] for p in progress] == ["a"] * len(progress) and len(progress) >= 30
    assert progress[-1]["seconds"] == pytest.approx(10800, abs=0.1)
    assert long_seconds < 60, "three hours of silence should take seconds"


def test_an_hour_of_speech_streams_in_flat_memory(model_dir, english_wav, one_minute_of_speech):
    """Speech scattered through an hour of dithered silence: pieces with speech are
    transcribed, with times on the item's time line."""
    rng = np.random.default_rng(3)
    clip = decode(english_wav)

    def hour():
        for minute in range(60):
            noise = (rng.standard_normal(60 * SAMPLING_RATE) * 3e-4).astype(np.float32)
            if minute % 20 == 7:
                noise[SAMPLING_RATE : SAMPLING_RATE + clip.shape[0]] += clip
            yield noise

    _, _, _, short_peak = _run(model_dir, one_minute_of_speech)
    result, progress, elapsed, peak = _run(model_dir, _flac(hour()))
    print(f"1 h with 3 clips: {elapsed:.1f} s, peak {peak / 2**20:.0f} MiB (1 min: {short_peak / 2**20:.0f} MiB)")
    assert result["ok"], result
    got = result["result"]
    assert got["text"].lower().count("young man") == 3 and got["language"] == "en"
    starts = [s["start"] for s in got["segments"]]
    assert [round(s / 60) for s in starts] == [7, 27, 47], starts
    assert peak - short_peak < FLAT_MEMORY_BYTES
    assert len(progress) >= 12

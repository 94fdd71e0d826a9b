"""Hours of audio through the real engine process: the engine's peak memory on a 3-hour file
stays within 150 MB of its peak on a 1-minute file, 3 hours of silence end quickly with an
empty transcript, the call reports progress as it goes, and a diarized hour streams too."""

import io
import os
import subprocess
import sys
import time
from typing import List, Optional, Tuple

import numpy as np
import pytest

import conversations
from conftest import ENGINE_DIR, LIBRIVOX
from parley_engine.der import score
from parley_engine.audio import SAMPLING_RATE, decode
from parley_engine.protocol import read_frame, write_frame

FLAT_MEMORY_BYTES = 150 * 1024 * 1024
# What diarization may add to a streamed item's peak: its encoder, one piece's mel frames and
# windows, and the embeddings so far (1 KB a window).
DIARIZATION_MEMORY_BYTES = 60 * 1024 * 1024


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


def _run(model_dir: str, data: bytes, options: Optional[dict] = None) -> Tuple[dict, List[dict], float, int]:
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
                                 "items": [{"id": "a", "offset": 0, "length": len(data), "options": options or {}}]}, data)
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


def test_a_diarized_hour_streams_in_flat_memory_with_speakers_across_pieces(model_dir):
    """The two-voice conversation three times in an hour of dithered silence (in pieces 20
    minutes apart): the same two speakers throughout, and diarization adds under
    ``DIARIZATION_MEMORY_BYTES`` to the hour's peak (which the test above holds flat)."""
    rng = np.random.default_rng(5)
    conversation = conversations.build(["en+m3", "en+f2"], 6, overlap_every=0, seed=4)
    options = {"language": "en", "diarize": True}

    def minutes(count, talk_at):
        for minute in range(count):
            noise = (rng.standard_normal(60 * SAMPLING_RATE) * 3e-4).astype(np.float32)
            if minute in talk_at:
                noise[SAMPLING_RATE : SAMPLING_RATE + conversation.samples.shape[0]] += conversation.samples
            yield noise

    hour = _flac(minutes(60, {7, 27, 47}))
    _, _, plain_seconds, plain_peak = _run(model_dir, hour, {"language": "en"})
    result, _, elapsed, peak = _run(model_dir, hour, options)
    got = result["result"]
    print(f"diarized hour: {elapsed:.1f} s ({got['timings']}), peak {peak / 2**20:.0f} MiB; "
          f"undiarized: {plain_seconds:.1f} s, {plain_peak / 2**20:.0f} MiB")
    assert result["ok"] and got["speaker_count"] == 2, got.get("speaker_turns")
    reference = [(s, minute * 60 + 1 + a, minute * 60 + 1 + b) for minute in (7, 27, 47) for s, a, b in conversation.reference]
    hypothesis = [(t["speaker"], t["start"], t["end"]) for t in got["speaker_turns"]]
    assert score(reference, hypothesis).der < 0.15
    assert peak - plain_peak < DIARIZATION_MEMORY_BYTES

import numpy as np
import pytest

from parley_engine.audio import SAMPLING_RATE, decode, duration_seconds
from parley_engine.errors import EngineError


def test_decodes_real_wav(english_wav):
    samples = decode(english_wav)
    assert samples.dtype.name == "float32"
    assert 1.0 < duration_seconds(samples) < 10.0
    assert SAMPLING_RATE == 16000


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 100, b"RIFF\x00\x00\x00\x00WAVEfmt "])
def test_bad_audio_is_invalid_audio(data):
    with pytest.raises(EngineError) as info:
        decode(data)
    assert info.value.code == "invalid_audio"
    assert not info.value.retryable


def test_decoding_matches_faster_whisper(english_wav):
    import io

    from faster_whisper.audio import decode_audio

    ours = decode(english_wav)
    theirs = decode_audio(io.BytesIO(english_wav), sampling_rate=SAMPLING_RATE)
    assert ours.shape == theirs.shape
    assert float(abs(ours - theirs).max()) < 1e-6


def _silent_wav(seconds: float) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLING_RATE)
        out.writeframes(bytes(2 * int(seconds * SAMPLING_RATE)))
    return buffer.getvalue()


def test_a_declared_duration_over_the_limit_fails_before_decoding(monkeypatch):
    monkeypatch.setenv("PARLEY_MAX_AUDIO_SECONDS", "60")
    with pytest.raises(EngineError) as info:
        decode(_silent_wav(90))
    assert info.value.code == "input_too_long" and not info.value.retryable
    assert "60 s" in info.value.message and "90 s" in info.value.message
    assert duration_seconds(decode(_silent_wav(59))) == pytest.approx(59, abs=0.01)


def test_an_undeclared_duration_stops_the_decode_at_the_limit(monkeypatch):
    from parley_engine import audio

    monkeypatch.setattr(audio, "_declared_seconds", lambda container, stream: None)
    with pytest.raises(EngineError) as info:
        decode(_silent_wav(30), max_seconds=10)
    assert info.value.code == "input_too_long"


def test_running_out_of_memory_is_retryable_not_invalid_audio(monkeypatch):
    from parley_engine import audio

    def exhausted(data, limit, block):
        raise MemoryError()
        yield  # a generator, like the real one

    monkeypatch.setattr(audio, "_blocks_bounded", exhausted)
    with pytest.raises(EngineError) as info:
        decode(b"RIFF")
    assert info.value.code == "engine_out_of_memory" and info.value.retryable


def test_blocks_hold_one_block_each_and_add_up_to_the_whole(english_wav):
    from parley_engine.audio import blocks

    whole = decode(english_wav)
    parts = list(blocks(english_wav, 1.0))
    assert all(p.shape[0] == SAMPLING_RATE for p in parts[:-1])
    assert 0 < parts[-1].shape[0] <= SAMPLING_RATE
    assert np.array_equal(np.concatenate(parts), whole)


def test_blocks_stop_at_the_limit_after_the_blocks_within_it(monkeypatch):
    from parley_engine import audio

    monkeypatch.setattr(audio, "_declared_seconds", lambda container, stream: None)
    seen = []
    with pytest.raises(EngineError) as info:
        for block in audio.blocks(_silent_wav(30), 5.0, max_seconds=12):
            seen.append(block.shape[0])
    assert info.value.code == "input_too_long"
    assert seen == [5 * SAMPLING_RATE, 5 * SAMPLING_RATE]

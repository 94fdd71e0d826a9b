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

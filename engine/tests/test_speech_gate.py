"""The speech gate and the decoding guards on the real Whisper base model: no path turns
silence, noise or music into text, and none loses speech."""

import pytest

import nonspeech
from parley_engine.asr_router import load_asr
from parley_engine.transcription import Strategy, transcribe_items
from parley_engine.whisper_backend import choose_device

PATHS = {
    # Trimmed windows for short items, batched VAD chunks for long ones.
    "windowed": (Strategy(), {}),
    # The 30 s batch path for one-window items, faster-whisper's own for long ones.
    "batched": (Strategy(windowing=False, chunking=False), {}),
    # faster-whisper's own path, item by item, with word timestamps.
    "alone": (Strategy(batching=False), {"word_timestamps": True}),
}


@pytest.fixture(scope="module")
def router(model_dir):
    return load_asr("whisper-base", model_dir, None, choose_device("cpu"), 2)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nonspeech")
    encoded = {}
    for name, samples in nonspeech.clips().items():
        path = folder / f"{name}.wav"
        nonspeech.write_wav(str(path), samples)
        encoded[name] = path.read_bytes()
    return encoded


def _run(router, clips, strategy, options):
    payload, items = b"", []
    for name, data in clips.items():
        items.append({"id": name, "offset": len(payload), "length": len(data), "options": dict(options)})
        payload += data
    return {r["id"]: r["result"] for r in transcribe_items(router, items, payload, strategy)}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_no_path_invents_text_or_loses_speech(router, clips, path):
    results = _run(router, clips, *PATHS[path])
    for name, result in results.items():
        if name.startswith("speech_"):
            assert "ill disposed young man" in result["text"].lower().replace("-", " "), (path, name, result["text"])
            assert not result["no_speech"] and result["speech_seconds"] > 2.5
            assert result["language"] == "en" and result["language_probability"] > 0.5
            for segment in result["segments"]:
                assert segment["avg_logprob"] < 0 and 0 <= segment["no_speech_prob"] <= 1 and segment["compression_ratio"] > 0
        else:
            assert result["text"] == "" and result["segments"] == [], (path, name, result["text"])
            assert result["language"] is None and result["language_probability"] == 0.0, (path, name)


def test_silence_and_noise_are_decided_without_decoding(router, clips):
    quiet = {name: clips[name] for name in ("digital_silence", "dithered_silence", "white_noise", "pink_noise", "chords", "drums")}
    for name, result in _run(router, quiet, Strategy(), {}).items():
        assert result["no_speech"] and result["speech_seconds"] == 0.0, name
        assert result["timings"]["infer"] == 0.0, name


def test_speech_to_english_of_doubtful_speech_is_kept_and_flagged(router, german_wav):
    items = [{"id": "de", "offset": 0, "length": len(german_wav), "options": {}, "translate_to": "en"}]
    result = transcribe_items(router, items, german_wav)[0]["result"]
    assert "good morning" in result["translation"]["text"].lower()
    assert result["text"] and not result["no_speech"]

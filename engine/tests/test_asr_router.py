"""The ASR router sends items the primary does not serve to the fallback model."""

import json

import pytest

from parley_engine.asr_router import load_asr
from parley_engine.audio import decode
from parley_engine.whisper_backend import TranscribeOptions, choose_device


@pytest.fixture(scope="module")
def router(model_dir, tmp_path_factory):
    config = tmp_path_factory.mktemp("asr") / "asr.json"
    config.write_text(json.dumps({
        "primary_languages": ["en"],
        "fallback": {"name": "whisper-base-fallback", "path": model_dir, "beam_size": 1},
        "fallback_threshold": 0.5,
    }))
    return load_asr("whisper-base", model_dir, str(config), choose_device("cpu"), 2)


def test_primary_serves_its_languages(router, english_wav):
    transcript = router.transcribe(decode(english_wav), TranscribeOptions())
    assert transcript.model == "whisper-base" and transcript.language == "en"
    assert 0.5 < transcript.language_probability <= 1.0


def test_other_languages_go_to_the_fallback(router, german_wav):
    detected = router.transcribe(decode(german_wav), TranscribeOptions())
    assert detected.model == "whisper-base-fallback" and detected.language == "de"
    given = router.transcribe(decode(german_wav), TranscribeOptions(language="de"))
    assert given.model == "whisper-base-fallback"
    assert router.languages >= {"en", "de", "hi", "ta"}


def test_without_config_there_is_only_the_primary(model_dir, german_wav):
    plain = load_asr("whisper-base", model_dir, None, choose_device("cpu"), 2)
    assert plain.fallback is None
    assert plain.transcribe(decode(german_wav), TranscribeOptions()).model == "whisper-base"

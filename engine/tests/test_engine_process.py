"""Drives the real engine process over its stdio protocol with the real Whisper base model."""

import os
import subprocess
import sys

import pytest

from conftest import ENGINE_DIR
from parley_engine.protocol import read_frame, write_frame


@pytest.fixture(scope="module")
def engine(model_dir):
    proc = subprocess.Popen(
        [sys.executable, "-m", "parley_engine", "--device", "cpu", "--threads", "2"],
        cwd=ENGINE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )

    def call(header, payload=b""):
        write_frame(proc.stdin, header, payload)
        return read_frame(proc.stdout).header

    hello = call({"op": "hello", "id": "h"})
    assert hello["ok"] and hello["device"] == "cpu"
    loaded = call({"op": "load", "id": "l", "model": "whisper-base", "path": model_dir})
    assert loaded["ok"], loaded
    yield call
    call({"op": "shutdown", "id": "s"})
    assert proc.wait(timeout=30) == 0


def test_batch_with_good_and_bad_items(engine, english_wav, german_wav):
    payload = english_wav + german_wav + b"garbage" * 50
    items = [
        {"id": "en", "offset": 0, "length": len(english_wav), "options": {}},
        {"id": "de", "offset": len(english_wav), "length": len(german_wav), "options": {}},
        {"id": "bad", "offset": len(english_wav) + len(german_wav), "length": 350, "options": {}},
    ]
    reply = engine({"op": "transcribe", "id": "t1", "model": "whisper-base", "items": items}, payload)
    assert reply["ok"] and reply["id"] == "t1"
    by_id = {r["id"]: r for r in reply["results"]}
    english = by_id["en"]["result"]
    assert english["language"] == "en"
    assert "ill disposed young man" in english["text"].lower().replace("-", " ")
    assert english["segments"] and english["duration"] > 1
    assert by_id["de"]["result"]["language"] == "de"
    assert by_id["bad"]["ok"] is False
    assert by_id["bad"]["error"]["code"] == "invalid_audio"


def test_translate_to_english_and_unsupported_target(engine, german_wav):
    items = [
        {"id": "a", "offset": 0, "length": len(german_wav), "options": {}, "translate_to": "en"},
        {"id": "b", "offset": 0, "length": len(german_wav), "options": {}, "translate_to": "pt"},
    ]
    reply = engine({"op": "transcribe", "id": "t2", "model": "whisper-base", "items": items}, german_wav)
    a, b = reply["results"]
    assert a["ok"] and a["result"]["translation"]["language"] == "en"
    assert a["result"]["translation"]["text"]
    assert b["error"]["code"] == "unsupported_language_pair"


def test_word_timestamps_prompt_and_translate_task(engine, english_wav, german_wav):
    items = [
        {"id": "w", "offset": 0, "length": len(english_wav), "options": {"language": "en", "word_timestamps": True}},
        {"id": "p", "offset": 0, "length": len(english_wav), "options": {"initial_prompt": "Sense and Sensibility.", "temperature": 0.0}},
        {"id": "t", "offset": len(english_wav), "length": len(german_wav), "options": {"task": "translate"}},
    ]
    reply = engine({"op": "transcribe", "id": "wt", "model": "whisper-base", "items": items}, english_wav + german_wav)
    by_id = {r["id"]: r["result"] for r in reply["results"]}
    segments = by_id["w"]["segments"]
    words = [w for s in segments for w in s["words"]]
    assert len(words) >= 6
    for s in segments:
        assert all(s["start"] - 0.5 <= w["start"] <= w["end"] <= s["end"] + 0.5 for w in s["words"])
        assert "".join(w["word"] for w in s["words"]).strip() == s["text"]
    assert all(0 <= w["probability"] <= 1 for w in words)
    assert by_id["p"]["segments"][0]["words"] is None
    assert "ill disposed young man" in by_id["p"]["text"].lower().replace("-", " ")
    assert by_id["t"]["task"] == "translate" and "good morning" in by_id["t"]["text"].lower()


def test_unknown_model_and_operation(engine):
    assert engine({"op": "transcribe", "id": "x", "model": "nope", "items": []})["error"]["code"] == "unknown_model"
    assert engine({"op": "dance", "id": "y"})["error"]["code"] == "bad_request"


def test_translate_operation_with_the_default_registry(engine):
    loaded = engine({"op": "load", "id": "lt", "model": "translation", "kind": "translation", "path": ""})
    assert loaded["ok"] and any(p["source"] == "en" and p["target"] == "pt" for p in loaded["pairs"])
    items = [
        {"id": "a", "texts": ["The cat is on the table."], "source": "en", "target": "pt"},
        {"id": "b", "texts": ["Hello, this is a test of the translation service."], "target": "hi"},
    ]
    reply = engine({"op": "translate", "id": "t", "model": "translation", "items": items})
    a, b = reply["results"]
    assert a["ok"] and "gato" in a["result"]["texts"][0].lower()
    assert b["error"]["code"] == "unsupported_language_pair" and "en->hi" in b["error"]["message"]


def test_batched_items_match_one_by_one(model_dir):
    """One-window items batched across a request give the same text as transcribing each alone."""
    import glob

    from parley_engine.asr_router import load_asr
    from parley_engine.audio import decode
    from parley_engine.batched import transcribe_batch
    from parley_engine.whisper_backend import TranscribeOptions, choose_device

    router = load_asr("whisper-base", model_dir, None, choose_device("cpu"), 2)
    samples = [decode(open(f, "rb").read()) for f in sorted(glob.glob("/usr/share/pocketsphinx/test/data/librivox/*.wav"))]
    options = [TranscribeOptions() for _ in samples]
    options[1].language = "en"
    batched = transcribe_batch(router.primary, samples, options)
    alone = [router.transcribe(s, TranscribeOptions()) for s in samples]
    assert [t.text for t in batched] == [t.text for t in alone]
    assert all(t.language == "en" and t.segments and t.segments[-1].end <= t.duration for t in batched)
    assert batched[1].language_probability == 1.0

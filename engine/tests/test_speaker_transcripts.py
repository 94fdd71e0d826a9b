"""Speakers on real transcripts (Whisper base): segments split where the speaker changes,
words only when asked for, a speech translation's segments labelled, a given count kept, and
a streamed (long) item labelled across its pieces."""

import io
import os
import tempfile
import wave

import numpy as np
import pytest

import conversations
from parley_engine import longform, transcription
from parley_engine.asr_router import load_asr
from parley_engine.der import score
from parley_engine.diarization import Turn
from parley_engine.speaker_labels import label
from parley_engine.transcription import transcribe_items
from parley_engine.whisper_backend import Segment, Transcript, Word, choose_device


@pytest.fixture(scope="module")
def router(model_dir):
    return load_asr("whisper-base", model_dir, None, choose_device("cpu"), 2)


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory):
    conversation = conversations.build(["en+m3", "en+f2"], 6, overlap_every=0, seed=4)
    path = tmp_path_factory.mktemp("conv") / "two.wav"
    conversations.write_wav(str(path), conversation.samples)
    return conversation, path.read_bytes()


def _transcribe(router, data: bytes, **options) -> dict:
    item = {"id": "a", "offset": 0, "length": len(data), "options": dict({"language": "en", "diarize": True}, **options)}
    (answer,) = transcribe_items(router, [item], data)
    assert answer["ok"], answer
    return answer["result"]


def _words(*spec):
    return [Word(start, end, f" {text}", 0.9) for text, start, end in spec]


def test_a_segment_is_split_where_its_words_change_speaker():
    transcript = Transcript("", "en", 1.0, 10.0, "m", segments=[
        Segment(0.0, 6.0, "Hello there. Fine thanks.", words=_words(("Hello", 0.0, 1.0), ("there.", 1.0, 2.0), ("Fine", 3.0, 4.5), ("thanks.", 4.5, 6.0))),
    ])
    label(transcript, [Turn("SPEAKER_00", 0.0, 2.5), Turn("SPEAKER_01", 2.5, 6.0)], keep_words=False)
    got = [(s.speaker, s.start, s.end, s.text, s.words) for s in transcript.segments]
    assert got == [("SPEAKER_00", 0.0, 2.0, "Hello there.", None), ("SPEAKER_01", 3.0, 6.0, "Fine thanks.", None)]
    assert transcript.speaker_count == 2 and len(transcript.speaker_turns) == 2


def test_a_lone_word_at_a_turn_edge_keeps_its_segments_speaker():
    words = _words(("We", 0.0, 0.4), ("agree", 0.4, 1.0), ("on", 1.0, 1.3), ("this.", 1.3, 2.0))
    transcript = Transcript("", "en", 1.0, 3.0, "m", segments=[Segment(0.0, 2.0, "We agree on this.", words=words)])
    label(transcript, [Turn("SPEAKER_00", 0.0, 1.7), Turn("SPEAKER_01", 1.7, 3.0)], keep_words=True)
    (segment,) = transcript.segments
    assert segment.speaker == "SPEAKER_00" and [w.speaker for w in segment.words] == ["SPEAKER_00"] * 4


def test_a_segment_without_words_gets_the_speaker_covering_most_of_it():
    transcript = Transcript("", "en", 1.0, 3.0, "m", segments=[Segment(0.0, 3.0, "text"), Segment(9.0, 9.5, "far")])
    label(transcript, [Turn("SPEAKER_00", 0.0, 1.0), Turn("SPEAKER_01", 1.0, 3.0)], keep_words=False)
    assert [s.speaker for s in transcript.segments] == ["SPEAKER_01", "SPEAKER_01"]


def test_a_two_voice_conversation_comes_back_with_speakers_on_every_segment(router, two_voices):
    conversation, data = two_voices
    result = _transcribe(router, data)
    assert result["speaker_count"] == 2
    assert all(s["speaker"] in ("SPEAKER_00", "SPEAKER_01") and "words" not in s or s["words"] is None for s in result["segments"])
    hypothesis = [(t["speaker"], t["start"], t["end"]) for t in result["speaker_turns"]]
    assert score(conversation.reference, hypothesis).der < 0.15
    # Each segment's speaker is the reference speaker under it (mapped by the first turn).
    mapping = {"SPEAKER_00": conversation.reference[0][0]}
    mapping["SPEAKER_01"] = next(s for s, _, _ in conversation.reference if s != mapping["SPEAKER_00"])
    for segment in result["segments"]:
        middle = (segment["start"] + segment["end"]) / 2
        under = [s for s, start, end in conversation.reference if start - 0.3 <= middle <= end + 0.3]
        assert mapping[segment["speaker"]] in under, segment
    assert result["timings"]["diarize"] > 0


def test_words_carry_speakers_when_asked_for(router, two_voices):
    _, data = two_voices
    result = _transcribe(router, data, word_timestamps=True)
    words = [w for s in result["segments"] for w in s["words"]]
    assert words and all(w["speaker"] == s["speaker"] for s in result["segments"] for w in s["words"])


def test_a_given_count_is_kept_and_silence_gets_none(router, two_voices):
    _, data = two_voices
    assert _transcribe(router, data, num_speakers=1)["speaker_count"] == 1
    silence = np.zeros(16000 * 3, dtype=np.float32)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(1), f.setsampwidth(2), f.setframerate(16000), f.writeframes(silence.astype("<i2").tobytes())
    result = _transcribe(router, buffer.getvalue())
    assert result["speaker_count"] == 0 and result["speaker_turns"] == [] and result["segments"] == []


def test_an_item_without_diarization_carries_no_speaker_fields(router, two_voices):
    _, data = two_voices
    result = _transcribe(router, data, diarize=False)
    assert "speaker_count" not in result and all("speaker" not in s for s in result["segments"])
    assert "diarize" not in result["timings"]


def test_a_speech_translation_keeps_the_speakers(router, two_voices):
    _, data = two_voices
    item = {"id": "a", "offset": 0, "length": len(data), "translate_to": "en", "options": {"language": "en", "diarize": True}}
    (answer,) = transcribe_items(router, [item], data)
    segments = answer["result"]["translation"]["segments"]
    assert segments and all(s["speaker"].startswith("SPEAKER_") for s in segments)


def test_a_streamed_item_is_labelled_across_its_pieces(router, two_voices, monkeypatch):
    conversation, _ = two_voices
    monkeypatch.setattr(transcription, "WHOLE_DECODE_SECONDS", 20.0)
    monkeypatch.setattr(longform, "PIECE_SECONDS", 20.0)
    gap = np.zeros(16000 * 3, dtype=np.float32)
    twice = np.concatenate([conversation.samples, gap, conversation.samples])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "twice.wav")
        conversations.write_wav(path, twice)
        data = open(path, "rb").read()
    result = _transcribe(router, data)
    assert result["speaker_count"] == 2
    shift = conversation.samples.shape[0] / 16000 + 3
    reference = conversation.reference + [(s, a + shift, b + shift) for s, a, b in conversation.reference]
    hypothesis = [(t["speaker"], t["start"], t["end"]) for t in result["speaker_turns"]]
    assert score(reference, hypothesis).der < 0.15

"""Long items stream in pieces cut at pauses: the cut rule, the pieces of real audio, and the
joined transcript of a long item (real model, small thresholds)."""

import io
import wave

import numpy as np
import pytest

from parley_engine import longform, transcription
from parley_engine.asr_router import load_asr
from parley_engine.audio import SAMPLING_RATE, decode
from parley_engine.longform import Piece, cut_point, join, pieces
from parley_engine.speech import SpeechMap, find_speech
from parley_engine.whisper_backend import Segment, Transcript, Word, choose_device


def _wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLING_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "spans, length, expected",
    [
        ([], 300.0, 300.0),  # no speech: the whole
        ([(10.0, 290.0)], 300.0, 295.0),  # the trailing pause
        ([(10.0, 200.0), (204.0, 299.9)], 300.0, 202.0),  # the last pause in the second half
        ([(10.0, 100.0), (104.0, 300.0)], 300.0, 300.0),  # the only pause is in the first half
        ([(0.0, 300.0)], 300.0, 300.0),  # speech throughout
        ([(10.0, 200.0), (200.1, 299.9)], 300.0, 300.0),  # a pause too short to cut in
        ([(10.0, 160.0), (170.0, 230.0), (230.5, 300.0)], 300.0, 230.25),
    ],
)
def test_a_piece_ends_in_its_last_pause_in_its_second_half(spans, length, expected):
    assert cut_point(spans, length) == pytest.approx(expected)


@pytest.fixture(scope="module")
def speech_with_pauses(english_wav) -> np.ndarray:
    """About 100 s: the LibriVox clip five times, each followed by 15 s of silence."""
    clip = decode(english_wav)
    pause = np.zeros(15 * SAMPLING_RATE, dtype=np.float32)
    return np.concatenate([part for _ in range(5) for part in (clip, pause)])


def test_pieces_cover_the_item_once_and_end_in_silence(speech_with_pauses):
    found = list(pieces(_wav(speech_with_pauses), piece_seconds=30.0))
    assert len(found) >= 3
    assert np.array_equal(np.concatenate([p.samples for p in found]), decode(_wav(speech_with_pauses)))
    for before, after in zip(found, found[1:]):
        assert after.offset == pytest.approx(before.offset + before.seconds)
        cut = int(after.offset * SAMPLING_RATE)
        assert not np.any(speech_with_pauses[cut - 1600 : cut + 1600]), f"cut at {after.offset:.1f} s is not in a pause"
    spans = [span for p in found for span in longform.on_item_time(p)]
    one = find_speech(speech_with_pauses[: 10 * SAMPLING_RATE]).seconds
    assert sum(end - start for start, end in spans) == pytest.approx(5 * one, abs=1.0)


def test_silence_costs_no_vad_and_holds_no_speech():
    silent = np.zeros(45 * SAMPLING_RATE, dtype=np.float32)
    found = list(pieces(_wav(silent), piece_seconds=30.0))
    assert [p.seconds for p in found] == [30.0, 15.0]
    assert all(not p.speech.spans for p in found)


def test_join_moves_segments_and_words_to_the_item_time_line():
    first = Transcript("hello", "en", 0.9, 30.0, "m", segments=[Segment(1.0, 2.0, "hello", [Word(1.0, 2.0, " hello", 0.9)])])
    second = Transcript("", None, 0.0, 20.0, "m", no_speech=True)
    third = Transcript("world", "de", 0.5, 10.0, "m", segments=[Segment(0.5, 1.5, "world")], dropped_segments=1)
    joined = join([(0.0, first), (30.0, second), (50.0, third)], 60.0)
    assert joined.text == "hello world" and joined.language == "en" and joined.duration == 60.0
    assert [(s.start, s.end) for s in joined.segments] == [(1.0, 2.0), (50.5, 51.5)]
    assert joined.segments[0].words[0].start == 1.0 and not joined.no_speech and joined.dropped_segments == 1


@pytest.fixture(scope="module")
def router(model_dir):
    return load_asr("whisper-base", model_dir, None, choose_device("cpu"), 2)


def test_a_long_item_streams_and_reads_like_the_whole(router, speech_with_pauses, monkeypatch):
    data = _wav(speech_with_pauses)
    whole = transcription.transcribe_items(router, [{"id": "a", "length": len(data)}], data)[0]["result"]
    monkeypatch.setattr(transcription, "WHOLE_DECODE_SECONDS", 20.0)
    monkeypatch.setattr(longform, "PIECE_SECONDS", 30.0)
    progress = []
    items = [{"id": "a", "length": len(data)}, {"id": "b", "offset": 0, "length": len(data), "options": {"language": "en"}}]
    streamed = transcription.transcribe_items(router, items, data, progress=lambda item, s: progress.append((item, s)))
    for result in streamed:
        assert result["ok"], result
        got = result["result"]
        assert got["text"].lower().count("young man") == whole["text"].lower().count("young man") == 5
        assert got["language"] == "en" and got["duration"] == whole["duration"]
        starts = [s["start"] for s in got["segments"]]
        assert starts == sorted(starts) and starts[-1] > 70.0, (starts, [s["start"] for s in whole["segments"]])
    assert [s for item, s in progress if item == "a"][-1] == pytest.approx(whole["duration"], abs=0.01)
    assert len(progress) >= 6


def test_a_silent_piece_list_joins_to_an_empty_transcript():
    silent = Transcript.silent(30.0, "m", None, "transcribe")
    joined = join([(0.0, silent), (30.0, Transcript.silent(10.0, "m", None, "transcribe"))], 40.0)
    assert joined.text == "" and joined.no_speech and joined.language is None


def test_piece_reports_its_length():
    assert Piece(5.0, np.zeros(SAMPLING_RATE * 2, dtype=np.float32), SpeechMap()).seconds == 2.0


def test_a_trimmed_piece_keeps_its_speech_on_the_same_time_line():
    piece = Piece(100.0, np.zeros(30 * SAMPLING_RATE, dtype=np.float32), SpeechMap([(12.0, 14.0), (20.0, 22.0)]))
    trimmed = piece.trimmed()
    assert trimmed.offset == 111.5 and trimmed.seconds == pytest.approx(11.0)
    assert longform.on_item_time(trimmed) == longform.on_item_time(piece)
    assert Piece(0.0, piece.samples, SpeechMap()).trimmed().seconds == 30.0

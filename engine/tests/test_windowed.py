"""Windowed transcription on the real Whisper base model: trimmed windows for short
items, batched VAD chunks for long ones, packing, and the fallbacks that keep items apart."""

import glob
import os
import re

import numpy as np
import pytest

from conftest import LIBRIVOX
from parley_engine.asr_router import load_asr
from parley_engine.audio import decode
from parley_engine.whisper_backend import TranscribeOptions, choose_device
from parley_engine.windowed import WindowRequest, transcribe_windowed, windowable

SR = 16000


@pytest.fixture(scope="module")
def backend(model_dir):
    return load_asr("whisper-base", model_dir, None, choose_device("cpu"), 2).primary


@pytest.fixture(scope="module")
def librivox():
    """(samples, reference words) for each LibriVox clip."""
    references = {}
    for line in open(os.path.join(LIBRIVOX, "transcription")):
        name = line.strip().rsplit("(", 1)[1].rstrip(")")
        references[name] = line.split("</s>")[0].replace("<s>", "").strip()
    clips = []
    for path in sorted(glob.glob(os.path.join(LIBRIVOX, "*.wav"))):
        name = os.path.basename(path)[:-4]
        clips.append((decode(open(path, "rb").read()), words(references[name])))
    return clips


def words(text):
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ").replace("mr.", "mister")).split()


def errors(reference, hypothesis):
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference):
        current = [i + 1] + [0] * len(hypothesis)
        for j, h in enumerate(hypothesis):
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (r != h))
        previous = current
    return previous[-1]


def test_short_items_come_back_like_the_30_s_path(backend, librivox):
    requests = [WindowRequest(samples, TranscribeOptions()) for samples, _ in librivox]
    windowed = transcribe_windowed(backend, requests)
    assert all(t is not None for t in windowed)
    full = [backend.transcribe(samples, TranscribeOptions()) for samples, _ in librivox]
    total = sum(len(ref) for _, ref in librivox)
    ours = sum(errors(ref, words(t.text)) for (_, ref), t in zip(librivox, windowed))
    theirs = sum(errors(ref, words(t.text)) for (_, ref), t in zip(librivox, full))
    assert ours <= theirs + 0.01 * total, (ours, theirs, total)
    for transcript, (samples, _) in zip(windowed, librivox):
        assert transcript.language == "en" and transcript.language_probability > 0.8
        assert transcript.segments and 0 <= transcript.segments[0].start <= transcript.segments[-1].end <= transcript.duration


def test_long_audio_is_chunked_batched_and_complete(backend, librivox):
    gap = np.zeros(SR // 2, dtype=np.float32)
    order = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2]
    long = np.concatenate([part for i in order for part in (librivox[i][0], gap)])
    reference = [w for i in order for w in librivox[i][1]]
    assert long.shape[0] / SR > 60
    short_samples, short_ref = librivox[2]
    transcripts = transcribe_windowed(backend, [
        WindowRequest(long, TranscribeOptions()), WindowRequest(short_samples, TranscribeOptions(language="en")),
    ])
    transcript = transcripts[0]
    assert transcript is not None and transcript.language == "en"
    assert errors(reference, words(transcript.text)) <= 0.1 * len(reference)
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts) and transcript.segments[-1].end > transcript.duration - 5
    assert errors(short_ref, words(transcripts[1].text)) <= 0.1 * len(short_ref)
    assert transcripts[1].language_probability == 1.0


def test_packed_items_never_take_text_from_a_neighbour(backend, librivox):
    requests = [WindowRequest(samples, TranscribeOptions(language="en")) for samples, _ in librivox] * 2
    references = [ref for _, ref in librivox] * 2
    packed = transcribe_windowed(backend, requests, share_windows=True)
    assert any(t is not None for t in packed)
    for transcript, reference in zip(packed, references):
        if transcript is not None:  # items that did not split cleanly are left to the caller
            assert errors(reference, words(transcript.text)) <= 0.25 * len(reference), transcript.text


def test_languages_are_detected_per_item(backend, librivox, german_wav):
    german = decode(german_wav)
    english = librivox[0][0]
    transcripts = transcribe_windowed(backend, [WindowRequest(german, TranscribeOptions()), WindowRequest(english, TranscribeOptions())])
    detected = [t.language if t else None for t in transcripts]
    assert detected[1] == "en"
    assert detected[0] in ("de", None)  # None: not sure enough, so the 30 s path detects it


def test_silence_and_other_options_take_the_ordinary_path(backend):
    silence = np.zeros(3 * SR, dtype=np.float32)
    assert transcribe_windowed(backend, [WindowRequest(silence, TranscribeOptions())]) == [None]
    long_silence = np.zeros(45 * SR, dtype=np.float32)
    assert transcribe_windowed(backend, [WindowRequest(long_silence, TranscribeOptions(language="en"))])[0].text == ""
    short = np.zeros(5 * SR, dtype=np.float32)
    assert windowable(short, TranscribeOptions())
    assert not windowable(short, TranscribeOptions(word_timestamps=True))
    assert not windowable(short, TranscribeOptions(initial_prompt="names"))
    assert not windowable(short, TranscribeOptions(temperature=0.4))
    assert not windowable(short, TranscribeOptions(vad_filter=True))
    assert not windowable(np.zeros(29 * SR, dtype=np.float32), TranscribeOptions())
    assert windowable(long_silence, TranscribeOptions(vad_filter=True))
    assert not windowable(short, TranscribeOptions(), short=False)
    assert not windowable(long_silence, TranscribeOptions(), long=False)


def test_untrusted_decodings_fall_back_to_faster_whisper(backend, english_wav):
    """A fifth of a second of speech makes a batched 30 s window repeat itself; faster-whisper's own
    temperature fallback decides instead, so the engine answers as faster-whisper does."""
    import io
    import wave

    from parley_engine.asr_router import AsrRouter
    from parley_engine.batched import transcribe_batch
    from parley_engine.transcription import transcribe_items

    tiny = decode(english_wav)[:3200]
    assert transcribe_batch(backend, [tiny], [TranscribeOptions()]) == [None]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(SR)
        out.writeframes((tiny * 32767).astype(np.int16).tobytes())
    data = buffer.getvalue()
    [result] = transcribe_items(AsrRouter(primary=backend), [{"id": "t", "offset": 0, "length": len(data)}], data)
    assert result["ok"] and result["result"]["text"] == backend.transcribe(decode(data), TranscribeOptions()).text


def test_groups_spread_over_two_workers_match_in_turn(model_dir, librivox, german_wav):
    """One call on a two-worker model runs its window groups side by side: as accurate as one
    worker in turn, languages detected alike, and the same texts on a second run."""
    two = load_asr("whisper-base", model_dir, None, choose_device("cpu"), 1, workers=2).primary
    one = load_asr("whisper-base", model_dir, None, choose_device("cpu"), 1).primary
    total = sum(len(ref) for _, ref in librivox)
    for options in (TranscribeOptions(), TranscribeOptions(language="en")):
        requests = [WindowRequest(samples, options) for samples, _ in librivox]
        if options.language is None:
            requests.append(WindowRequest(decode(german_wav), options))
        side_by_side = transcribe_windowed(two, requests)
        assert [t and t.text for t in side_by_side] == [t and t.text for t in transcribe_windowed(two, requests)]
        in_turn = transcribe_windowed(one, requests)
        assert [t and t.language for t in side_by_side] == [t and t.language for t in in_turn]
        ours = sum(errors(ref, words(t.text)) for (_, ref), t in zip(librivox, side_by_side))
        theirs = sum(errors(ref, words(t.text)) for (_, ref), t in zip(librivox, in_turn))
        assert ours <= theirs + 0.01 * total, (ours, theirs, total)


def test_groups_are_cut_for_every_worker_and_capped():
    from parley_engine.packing import Window
    from parley_engine.windowed import GROUPS_PER_WORKER, MAX_WINDOWS, _groups

    def windows(count, beam=5):
        return [Window(pieces=[i], key=("transcribe", beam, i), length=1.0 + i % 7) for i in range(count)]

    assert [len(g) for g in _groups(windows(40), 1)] == [MAX_WINDOWS, MAX_WINDOWS, 8]
    assert [len(g) for g in _groups(windows(8), 2)] == [2] * (2 * GROUPS_PER_WORKER)
    assert [len(g) for g in _groups(windows(3), 2)] == [1, 1, 1]
    mixed = _groups(windows(4, beam=5) + windows(4, beam=1), 1)
    assert all(len({w.key[1] for w in g}) == 1 for g in mixed) and sum(map(len, mixed)) == 8
    for group in _groups(windows(40), 2):
        assert [w.length for w in group] == sorted(w.length for w in group)

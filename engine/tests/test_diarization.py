"""Diarization: the legacy weights reader, the numpy speaker encoder, clustering, turns, DER,
and speakers on real transcripts, on the conversations ``conversations.py`` builds (exact
RTTM references) and the real Whisper base model."""

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import conversations
from conftest import REPO_DIR
from parley_engine.clustering import SpeakerCount, cluster
from parley_engine.der import parse_rttm, score
from parley_engine.diarization import WINDOW_SECONDS, SpeakerWindows, window_starts
from parley_engine.speaker_assets import ENCODER_SIZE, extract
from parley_engine.speaker_encoder import SpeakerEncoder
from parley_engine.torch_legacy import MAGIC, PROTOCOL, load_state

ENCODER = os.path.join(REPO_DIR, "models", "speaker-encoder", "pretrained.pt")
MAX_DER = 0.15


@pytest.fixture(scope="module")
def encoder() -> SpeakerEncoder:
    if not os.path.isfile(ENCODER):
        pytest.fail(f"the speaker encoder is not in {ENCODER}; run scripts/setup.sh")
    return SpeakerEncoder.load(ENCODER)


@pytest.fixture(scope="module")
def standard():
    return conversations.standard()


def _diarize(encoder, samples, count=None):
    windows = SpeakerWindows()
    windows.add(encoder, samples)
    return [(t.speaker, t.start, t.end) for t in windows.turns(count)]


def test_the_legacy_file_reads_as_resemblyzers_lstm_without_pytorch():
    state = load_state(ENCODER)
    assert os.path.getsize(ENCODER) == ENCODER_SIZE
    assert state["lstm.weight_ih_l0"].shape == (1024, 40) and state["lstm.weight_hh_l2"].shape == (1024, 256)
    assert state["linear.weight"].shape == (256, 256) and state["linear.bias"].dtype == np.float32
    assert all(np.isfinite(a).all() for a in state.values())


def test_a_legacy_file_naming_any_other_global_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        for header in (MAGIC, PROTOCOL, {"little_endian": True}):
            pickle.dump(header, f)
        f.write(b"cos\nsystem\n(S'echo owned'\ntR.")
    with pytest.raises(pickle.UnpicklingError, match="os.system"):
        load_state(str(path))


def test_the_weights_come_out_of_the_wheel_only_when_size_and_checksum_match(tmp_path):
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("resemblyzer/pretrained.pt", b"not the weights")
    with pytest.raises(RuntimeError, match="SHA-256"):
        extract(str(wheel), str(tmp_path / "out"))
    assert not os.listdir(tmp_path / "out")
    import hashlib
    digest = hashlib.sha256(b"not the weights").hexdigest()
    assert extract(str(wheel), str(tmp_path / "ok"), size=15, digest=digest).endswith("pretrained.pt")


def test_embeddings_are_unit_vectors_closer_within_a_voice(encoder):
    one, other = conversations._turn("en+m3", 0), conversations._turn("en+f2", 0)
    again = conversations._turn("en+m3", 1)
    frames = lambda s: encoder.mel(s)[None, :160]
    a, b, c = (encoder.embed(frames(s))[0] for s in (one, other, again))
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-5)
    assert a @ c > a @ b + 0.1


def test_windows_cover_every_region_and_fit_the_audio():
    assert window_starts((0.0, 1.0), 10.0) == [0.0]  # centred, moved into the audio
    assert window_starts((5.0, 5.4), 5.5) == [pytest.approx(5.5 - WINDOW_SECONDS)]
    starts = window_starts((2.0, 5.0), 10.0)
    assert starts[0] == 2.0 and starts[-1] + WINDOW_SECONDS == pytest.approx(5.0)
    assert all(b - a <= 0.5 + 1e-9 for a, b in zip(starts, starts[1:]))


def _blobs(counts, spread=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(counts), 32))
    points = np.concatenate([c + spread * rng.standard_normal((n, 32)) * np.linalg.norm(c) for c, n in zip(centres, counts)])
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_clustering_finds_the_count_or_keeps_the_one_given():
    points = _blobs([20, 30, 25])
    assert len(set(cluster(points, SpeakerCount()))) == 3
    assert len(set(cluster(points, SpeakerCount(num=2)))) == 2
    assert len(set(cluster(points, SpeakerCount(num=5)))) == 5
    assert len(set(cluster(points, SpeakerCount(max=2)))) == 2
    assert len(set(cluster(_blobs([40]), SpeakerCount(min=2)))) == 2
    labels = cluster(points, SpeakerCount())
    assert len(set(labels[:20])) == 1 and len(set(labels[20:50])) == 1 and labels[0] != labels[20]


def test_clustering_bounds_its_work_on_many_windows():
    points = _blobs([3000, 2000])
    labels = cluster(points, SpeakerCount())
    assert len(set(labels)) == 2 and len(set(labels[:3000])) == 1


def test_der_scores_misses_false_alarms_and_confusion_with_the_best_mapping():
    reference = [("a", 0.0, 10.0), ("b", 10.0, 20.0)]
    assert score(reference, [("x", 0.0, 10.0), ("y", 10.0, 20.0)]).der == 0.0
    assert score(reference, [("x", 0.0, 20.0)]).der == pytest.approx(0.5)
    missed = score(reference, [("x", 0.0, 10.0)])
    assert missed.missed == pytest.approx(10.0) and missed.der == pytest.approx(0.5)
    alarm = score(reference, [("x", 0.0, 10.0), ("y", 10.0, 25.0)])
    assert alarm.false_alarm == pytest.approx(5.0) and alarm.der == pytest.approx(0.25)
    assert score(reference, [("x", 0.0, 9.8), ("y", 10.2, 20.0)], collar=0.25).der == 0.0
    overlap = score([("a", 0.0, 4.0), ("b", 2.0, 6.0)], [("x", 0.0, 4.0), ("y", 4.0, 6.0)])
    assert overlap.missed == pytest.approx(2.0) and overlap.reference_seconds == pytest.approx(8.0)


def test_rttm_parses_and_round_trips(standard):
    conversation = standard["two_voices"]
    parsed = parse_rttm(conversation.rttm("call"))
    assert list(parsed) == ["call"] and len(parsed["call"]) == len(conversation.reference)
    assert score(conversation.reference, parsed["call"]).der == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(ValueError, match="line 1"):
        parse_rttm("SPEAKER x 1 0.0")


@pytest.mark.parametrize("name", ["one_voice", "two_voices", "three_voices", "four_voices"])
def test_conversations_get_their_speaker_count_and_a_low_der(encoder, standard, name):
    conversation = standard[name]
    turns = _diarize(encoder, conversation.samples)
    report = score(conversation.reference, turns)
    print(name, report.to_dict())
    assert report.hypothesis_speakers == conversation.speakers
    assert report.der < MAX_DER


def test_a_given_speaker_count_is_kept(encoder, standard):
    conversation = standard["three_voices"]
    assert len({s for s, _, _ in _diarize(encoder, conversation.samples, SpeakerCount(num=2))}) == 2
    assert len({s for s, _, _ in _diarize(encoder, conversation.samples, SpeakerCount(min=4))}) == 4
    turns = _diarize(encoder, conversation.samples, SpeakerCount(num=3))
    assert score(conversation.reference, turns).der < MAX_DER


def test_speakers_are_named_in_order_of_first_speech(encoder, standard):
    turns = _diarize(encoder, standard["three_voices"].samples)
    first = list(dict.fromkeys(s for s, _, _ in turns))
    assert first == [f"SPEAKER_{n:02d}" for n in range(len(first))]


def test_silence_has_no_turns(encoder):
    assert _diarize(encoder, np.zeros(16000 * 5, dtype=np.float32)) == []


def test_one_real_reader_across_five_recordings_is_one_speaker(encoder):
    pause = np.zeros(4 * 16000, dtype=np.float32)
    clips = [conversations._librivox(n) for n in range(5)]
    turns = _diarize(encoder, np.concatenate([part for clip in clips for part in (clip, pause)]))
    assert turns and {s for s, _, _ in turns} == {"SPEAKER_00"}

"""The decoding guards and the speech map as pure logic: no model, no audio."""

import pytest

from parley_engine.guards import guard, repetition_loop
from parley_engine.speech import SpeechMap
from parley_engine.whisper_backend import Segment, Transcript, Word


@pytest.mark.parametrize("text", [
    "I don't know what to say, but I don't know what to say, but I don't know what to say, but I don't know what to say, but",
    "Oh, oh, oh, oh, oh, oh, oh.",
    "1-2-3 1-2-3 1-2-3 1-2-3 1-2-3",
    "Să văzără, să văzără, să văzără, să văzără, să văzără",
])
def test_loops_are_found(text):
    assert repetition_loop(text)


@pytest.mark.parametrize("text", [
    "He was not an ill-disposed young man.",
    "No, no, no, I said. Not now.",
    "It is what it is, and it was what it was.",
    "",
])
def test_speech_is_not_a_loop(text):
    assert not repetition_loop(text)


def test_coverage_and_words_on_speech():
    speech = SpeechMap([(1.0, 3.0), (10.0, 11.0)])
    assert speech.seconds == 3.0 and speech.has_speech
    assert speech.coverage(1.0, 3.0, margin=0.0) == 1.0
    assert speech.coverage(0.0, 4.0, margin=0.0) == 0.5
    assert speech.coverage(4.0, 9.0, margin=0.0) == 0.0
    assert speech.seconds_within(2.0, 10.5) == pytest.approx(1.5)
    assert speech.carries(2.5, 12.0)
    assert not speech.carries(4.0, 9.0)
    # Words: most midpoints must be on speech, whatever the segment's own times claim.
    assert speech.carries(0.0, 20.0, [(1.2, 1.5), (1.6, 2.0), (15.0, 19.0)])
    assert not speech.carries(2.5, 20.0, [(2.8, 3.2), (4.0, 9.0), (12.0, 13.0), (14.0, 15.0)])
    assert not SpeechMap([(0.0, 0.2)]).has_speech


def _segment(start, end, text, logprob=-0.3, no_speech=0.1, ratio=1.2, words=None):
    return Segment(start=start, end=end, text=text, words=words, avg_logprob=logprob, no_speech_prob=no_speech, compression_ratio=ratio)


def test_guard_drops_what_is_not_speech_and_keeps_what_is():
    speech = SpeechMap([(0.0, 4.0)])
    transcript = Transcript(text="", language="en", language_probability=0.9, duration=30.0, model="m", segments=[
        _segment(0.0, 3.5, "He was not an ill-disposed young man."),
        _segment(3.5, 4.0, "...", ratio=0.5),
        _segment(5.0, 25.0, "Thank you for watching.", logprob=-0.4),
        _segment(0.0, 4.0, "la la la la la la la", ratio=3.1),
    ])
    guarded = guard(transcript, speech)
    assert guarded.text == "He was not an ill-disposed young man."
    assert guarded.dropped_segments == 2 and guarded.speech_seconds == 4.0
    assert guarded.avg_logprob == -0.3 and not guarded.low_confidence


def test_no_speech_probability_yields_to_a_second_of_heard_speech():
    # espeak German translated to English: faster-whisper's own rule (0.606 > 0.6, -1.13 < -1) drops it.
    doubtful = _segment(0.0, 2.6, "Good morning.", logprob=-1.13, no_speech=0.606)
    kept = guard(Transcript("", "de", 0.9, 3.0, "m", segments=[doubtful]), SpeechMap([(0.1, 2.5)]))
    assert kept.text == "Good morning." and kept.low_confidence
    blip = _segment(0.0, 0.75, "You", logprob=-1.02, no_speech=0.7)
    dropped = guard(Transcript("", "en", 0.3, 25.0, "m", segments=[blip]), SpeechMap([(0.0, 0.75)]))
    assert dropped.text == "" and dropped.low_confidence and dropped.avg_logprob is None


def test_words_decide_for_segments_that_carry_them():
    speech = SpeechMap([(20.0, 23.0)])
    words = [Word(22.7, 24.1, " I'll", 0.04), Word(24.1, 40.8, " see", 0.7), Word(40.8, 40.8, " you", 0.9), Word(40.8, 42.5, " soon.", 0.9)]
    outro = _segment(22.7, 42.5, "I'll see you soon.", words=words)
    assert guard(Transcript("", "en", 0.9, 43.0, "m", segments=[outro]), speech).text == ""


def test_silent_transcript_claims_no_language():
    silent = Transcript.silent(10.0, "m", None, "transcribe")
    assert silent.no_speech and silent.text == "" and silent.language is None and silent.language_probability == 0.0

"""A small non-speech set, synthesised here (no recordings): silence, noise, music, and speech
framed by music or made very quiet. Deterministic: the same samples on every run.

``python tests/nonspeech.py DIR`` writes each clip to DIR as a 16 kHz mono WAV.
"""

import os
import sys
import wave
from typing import Dict

import numpy as np

SR = 16000
LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
SPEECH_CLIP = os.path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0880.wav")


def _tone(frequency: float, seconds: float, decay: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    wave_ = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in (1, 2, 3))  # a few harmonics
    return (wave_ * np.exp(-decay * t)).astype(np.float32)


def _pink(seconds: float, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(int(seconds * SR))
    spectrum = np.fft.rfft(white)
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
    pink = np.fft.irfft(spectrum, n=white.size)
    return (pink / np.max(np.abs(pink))).astype(np.float32)


def _chords(seconds: float) -> np.ndarray:
    roots = [220.0, 174.6, 261.6, 196.0]  # A, F, C, G
    bar = 2.0
    parts = []
    for i in range(int(np.ceil(seconds / bar))):
        root = roots[i % len(roots)]
        parts.append(sum(_tone(root * r, bar, decay=0.6) for r in (1.0, 1.26, 1.5)) / 3)
    return np.concatenate(parts)[: int(seconds * SR)]


def _arpeggio(seconds: float) -> np.ndarray:
    notes = [261.6, 329.6, 392.0, 523.3, 392.0, 329.6]
    step = 0.2
    parts = [_tone(notes[i % len(notes)], step, decay=4.0) for i in range(int(np.ceil(seconds / step)))]
    return np.concatenate(parts)[: int(seconds * SR)]


def _drums(seconds: float, rng: np.random.Generator) -> np.ndarray:
    beat = np.zeros(int(seconds * SR), dtype=np.float32)
    step = int(0.25 * SR)
    hit = int(0.08 * SR)
    envelope = np.exp(-np.arange(hit) / (0.015 * SR)).astype(np.float32)
    for k, start in enumerate(range(0, beat.size - hit, step)):
        if k % 4 == 0:  # kick: a falling low tone
            t = np.arange(hit) / SR
            beat[start : start + hit] += np.sin(2 * np.pi * (120 - 400 * t) * t).astype(np.float32) * envelope
        else:  # snare and hats: noise bursts
            beat[start : start + hit] += rng.standard_normal(hit).astype(np.float32) * envelope * (0.6 if k % 2 else 0.3)
    return beat


def _normalise(samples: np.ndarray, peak: float = 0.5) -> np.ndarray:
    top = float(np.max(np.abs(samples))) or 1.0
    return (samples / top * peak).astype(np.float32)


def _speech() -> np.ndarray:
    from parley_engine.audio import decode

    with open(SPEECH_CLIP, "rb") as handle:
        return decode(handle.read())


def clips() -> Dict[str, np.ndarray]:
    """Every clip by name. Names starting with ``speech_`` hold speech; the others hold none."""
    rng = np.random.default_rng(7)
    music = _normalise(_chords(25.0) + 0.5 * _arpeggio(25.0) + 0.4 * _drums(25.0, rng))
    speech = _speech()
    framing = _normalise(_chords(20.0) + 0.5 * _arpeggio(20.0) + 0.4 * _drums(20.0, rng), 0.3)
    return {
        "digital_silence": np.zeros(10 * SR, dtype=np.float32),
        "dithered_silence": (rng.standard_normal(10 * SR) * 3e-5).astype(np.float32),
        "short_silence": np.zeros(3 * SR, dtype=np.float32),
        "white_noise": (rng.standard_normal(10 * SR) * 0.1).astype(np.float32),
        "pink_noise": _normalise(_pink(10.0, rng), 0.3),
        "chords": _normalise(_chords(25.0)),
        "arpeggio": _normalise(_arpeggio(25.0)),
        "drums": _normalise(_drums(25.0, rng)),
        "music_with_beat": music,
        "long_music": np.tile(music, 5)[: 120 * SR],
        "speech_framed_by_music": np.concatenate([framing, speech, framing]),
        "speech_very_quiet": (speech * 0.05).astype(np.float32),
    }


def write_wav(path: str, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SR)
        out.writeframes(pcm.tobytes())


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, samples in clips().items():
        write_wav(os.path.join(sys.argv[1], f"{name}.wav"), samples)

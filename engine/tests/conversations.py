"""Conversations with known speakers, synthesised here: turns of distinct voices (espeak-ng
voices and the LibriVox reader of pocketsphinx-testdata) with pauses and some overlap, and
their exact reference (RTTM). Deterministic: the same samples on every run.

``python tests/conversations.py DIR`` writes each conversation to DIR as a 16 kHz mono WAV
with its ``.rttm`` beside it.
"""

import glob
import os
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

SR = 16000
LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
# Voices the speaker encoder keeps apart (their turns' similarity stays under 0.72).
VOICES = ("en+m3", "en+f2", "en-us+klatt", "librivox")
LINES = (
    "Good morning, thank you all for joining the call today.",
    "I think we should look at the numbers from last quarter first.",
    "That sounds fine to me, but the report is not finished yet.",
    "Could you send me the figures before Friday afternoon?",
    "We moved the launch to the second week of March.",
    "Nobody told the support team about the new prices.",
    "Let us take that offline and come back to it tomorrow.",
    "The customer in Berlin asked for a longer trial period.",
)


@dataclass
class Conversation:
    samples: np.ndarray
    # (speaker, start, end) in seconds, in order of start.
    reference: List[Tuple[str, float, float]]

    @property
    def speakers(self) -> int:
        return len({s for s, _, _ in self.reference})

    def rttm(self, name: str) -> str:
        return "".join(
            f"SPEAKER {name} 1 {start:.3f} {end - start:.3f} <NA> <NA> {speaker} <NA> <NA>\n"
            for speaker, start, end in self.reference
        )


def _trimmed(samples: np.ndarray, floor: float = 0.01) -> np.ndarray:
    loud = np.nonzero(np.abs(samples) > floor)[0]
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples


def _read(path: str) -> np.ndarray:
    raw = subprocess.run(["sox", path, "-t", "raw", "-r", str(SR), "-c", "1", "-b", "16", "-e", "signed", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768


def _espeak(voice: str, text: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "turn.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", path, text], check=True)
        return _read(path)


def _librivox(index: int) -> np.ndarray:
    clips = sorted(glob.glob(os.path.join(LIBRIVOX, "*.wav")))
    return _read(clips[index % len(clips)])


def _turn(voice: str, index: int) -> np.ndarray:
    audio = _librivox(index) if voice == "librivox" else _espeak(voice, LINES[index % len(LINES)])
    audio = _trimmed(audio)
    return (audio * (0.3 / max(float(np.sqrt(np.mean(audio ** 2))), 1e-6))).clip(-1, 1).astype(np.float32)


def build(voices: List[str], turns: int, overlap_every: int = 4, seed: int = 0) -> Conversation:
    """``turns`` turns: each voice in order first, then a random other voice (the same one
    again one time in six), pauses of 0.3–1.0 s, and every ``overlap_every``-th turn
    starting 0.5 s before the previous one ends."""
    rng = np.random.default_rng(seed)
    placed, cursor, order = [], 0.0, []
    for n in range(turns):
        if n < len(voices):
            voice = voices[n]
        elif rng.random() < 1 / 6 or len(voices) == 1:
            voice = order[-1]
        else:
            voice = str(rng.choice([v for v in voices if v != order[-1]]))
        order.append(voice)
        audio = _turn(voice, n)
        if overlap_every and n and n % overlap_every == 0 and voice != order[-2]:
            start = max(0.0, cursor - 0.5)
        else:
            start = cursor + float(rng.uniform(0.3, 1.0))
        placed.append((voice, start, audio))
        cursor = start + audio.shape[0] / SR
    total = int((cursor + 1.0) * SR) + 1
    mix = np.zeros(total, dtype=np.float32)
    names = {v: f"spk{n}" for n, v in enumerate(dict.fromkeys(order))}
    reference = []
    for voice, start, audio in placed:
        first = int(round(start * SR))
        mix[first : first + audio.shape[0]] += audio
        reference.append((names[voice], round(first / SR, 3), round((first + audio.shape[0]) / SR, 3)))
    return Conversation(mix.clip(-1, 1), reference)


def standard() -> Dict[str, Conversation]:
    """The evaluation set: one, two, three and four voices."""
    return {
        "one_voice": build(["en+m3"], 6, overlap_every=0),
        "two_voices": build(["en+m3", "en+f2"], 10, seed=1),
        "three_voices": build(["en+m3", "en+f2", "librivox"], 12, seed=2),
        "four_voices": build(list(VOICES), 14, seed=3),
    }


def write_wav(path: str, samples: np.ndarray) -> None:
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(SR)
        f.writeframes((samples * 32767).astype("<i2").tobytes())


def main(argv: List[str]) -> int:
    out = argv[1] if len(argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for name, conversation in standard().items():
        write_wav(os.path.join(out, f"{name}.wav"), conversation.samples)
        with open(os.path.join(out, f"{name}.rttm"), "w") as f:
            f.write(conversation.rttm(name))
        print(f"{name}: {conversation.samples.shape[0] / SR:.1f} s, {conversation.speakers} speakers, {len(conversation.reference)} turns")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

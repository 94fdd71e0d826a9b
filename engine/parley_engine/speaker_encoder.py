"""The speaker encoder: Resemblyzer's trained voice encoder, run in numpy.

Resemblyzer (PyPI ``resemblyzer`` 0.1.4, Apache-2.0) ships its weights as ``pretrained.pt``
(a legacy PyTorch file, read by ``torch_legacy``): a 3-layer LSTM of 256 units over 40-channel
mel power spectrograms (25 ms windows, 10 ms steps, 16 kHz), a 256x256 projection, ReLU, and
L2 normalisation. Trained on 1.6 s partial utterances (160 frames), which is the window this
module embeds. PyTorch is not needed: the LSTM is a few matrix products per frame, batched over
windows (about 7 ms a window on one core at a batch of 64).
"""

import logging
from dataclasses import dataclass
from typing import Dict

import numpy as np

from .torch_legacy import load_state

logger = logging.getLogger(__name__)

SAMPLING_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 40
# Frames in one embedded window (1.6 s), as Resemblyzer's partial utterances.
WINDOW_FRAMES = 160
HIDDEN = 256
LAYERS = 3
# Windows embedded in one batch of matrix products.
BATCH = 64


def _mel_filters() -> np.ndarray:
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor.get_mel_filters(SAMPLING_RATE, N_FFT, n_mels=N_MELS).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass
class _Layer:
    input_weights: np.ndarray  # (in, 4 * HIDDEN), transposed for x @ W
    hidden_weights: np.ndarray  # (HIDDEN, 4 * HIDDEN)
    bias: np.ndarray


class SpeakerEncoder:
    """Embeds 16 kHz audio windows as 256-dim unit vectors; windows of one voice lie close."""

    def __init__(self, state: Dict[str, np.ndarray]):
        self.layers = [
            _Layer(state[f"lstm.weight_ih_l{n}"].T.copy(), state[f"lstm.weight_hh_l{n}"].T.copy(),
                   state[f"lstm.bias_ih_l{n}"] + state[f"lstm.bias_hh_l{n}"])
            for n in range(LAYERS)
        ]
        self.projection = state["linear.weight"].T.copy()
        self.projection_bias = state["linear.bias"]
        self.filters = _mel_filters()
        self.window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
        if self.layers[0].input_weights.shape != (N_MELS, 4 * HIDDEN):
            raise ValueError("the speaker encoder's weights are not Resemblyzer's")

    @classmethod
    def load(cls, path: str) -> "SpeakerEncoder":
        encoder = cls(load_state(path))
        logger.info("speaker encoder loaded from %s", path)
        return encoder

    def mel(self, samples: np.ndarray) -> np.ndarray:
        """Mel power spectrogram frames (frames, 40), one every 10 ms, centred as librosa's."""
        padded = np.pad(samples.astype(np.float32), N_FFT // 2, mode="reflect" if samples.size > N_FFT // 2 else "constant")
        count = 1 + (padded.shape[0] - N_FFT) // HOP
        frames = np.lib.stride_tricks.as_strided(
            padded, (count, N_FFT), (padded.strides[0] * HOP, padded.strides[0]), writeable=False)
        power = np.abs(np.fft.rfft(frames * self.window, axis=1)) ** 2
        return power.astype(np.float32) @ self.filters.T

    def embed(self, windows: np.ndarray) -> np.ndarray:
        """Embeddings (n, 256) of mel windows (n, WINDOW_FRAMES, 40), in batches of ``BATCH``."""
        if windows.shape[0] == 0:
            return np.zeros((0, HIDDEN), dtype=np.float32)
        return np.concatenate([self._embed(windows[i : i + BATCH]) for i in range(0, windows.shape[0], BATCH)])

    def _embed(self, x: np.ndarray) -> np.ndarray:
        batch, steps, _ = x.shape
        for layer in self.layers:
            gates_in = (x.reshape(batch * steps, -1) @ layer.input_weights + layer.bias).reshape(batch, steps, -1)
            h = np.zeros((batch, HIDDEN), dtype=np.float32)
            c = np.zeros((batch, HIDDEN), dtype=np.float32)
            out = np.empty((batch, steps, HIDDEN), dtype=np.float32)
            for t in range(steps):
                g = gates_in[:, t] + h @ layer.hidden_weights
                i, f = _sigmoid(g[:, :HIDDEN]), _sigmoid(g[:, HIDDEN : 2 * HIDDEN])
                cell, o = np.tanh(g[:, 2 * HIDDEN : 3 * HIDDEN]), _sigmoid(g[:, 3 * HIDDEN :])
                c = f * c + i * cell
                h = o * np.tanh(c)
                out[:, t] = h
            x = out
        raw = np.maximum(h @ self.projection + self.projection_bias, 0.0)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        return raw / np.maximum(norms, 1e-8)

"""Encodes a tone of a given length with FFmpeg's encoders (through PyAV, in the engine's
virtual environment), for the Swift tests of the container duration probe.

usage: encode_audio.py FORMAT CODEC SECONDS RATE OUT [OPTION=VALUE ...]
(an option named codec:NAME goes to the encoder, any other to the muxer)
"""
import sys

import av
import numpy as np


def main() -> None:
    fmt, codec, seconds, rate, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    options = dict(arg.split("=", 1) for arg in sys.argv[6:])
    muxer = {k: v for k, v in options.items() if not k.startswith("codec:")}
    encoder = {k[len("codec:"):]: v for k, v in options.items() if k.startswith("codec:")}
    with av.open(out, "w", format=fmt, options=muxer) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono", options=encoder)
        samples = int(seconds * rate)
        tone = (np.sin(2 * np.pi * 440 * np.arange(samples) / rate) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


if __name__ == "__main__":
    main()

"""Invented words per minute of non-speech audio, and speech WER beside it, in one run:

(a) faster-whisper direct, the library's defaults (beam 5, no VAD);
(b) faster-whisper direct with ``vad_filter=True``;
(c) Parley's engine: the ``transcribe`` operation the sidecar runs (speech gate, batched paths,
    decoding guards), on the same model and threads.

Non-speech: the synthesised set of ``engine/tests/nonspeech.py`` (silence, noise, music; 4.4 min).
Speech: the LibriVox clips of pocketsphinx-testdata. Run with the engine's venv:
``engine/.venv/bin/python bench/nonspeech_words.py [--threads 2]``; ``PARLEY_ENGINE_DIR`` measures
another checkout's engine (for a before/after figure) against the same set.
"""

import argparse
import glob
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [
    os.environ.get("PARLEY_ENGINE_DIR", os.path.join(ROOT, "engine")), os.path.join(ROOT, "engine", "tests"), os.path.join(ROOT, "bench"),
]

import nonspeech  # noqa: E402
from asr_throughput import wer, words  # noqa: E402  (this folder)
from parley_engine.asr_router import load_asr  # noqa: E402
from parley_engine.audio import decode  # noqa: E402
from parley_engine.transcription import transcribe_items  # noqa: E402
from parley_engine.whisper_backend import choose_device  # noqa: E402

LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"


def speech_set():
    references = {}
    for line in open(os.path.join(LIBRIVOX, "transcription")):
        name = line.strip().rsplit("(", 1)[1].rstrip(")")
        references[name] = line.split("</s>")[0].replace("<s>", "").strip()
    paths = sorted(glob.glob(os.path.join(LIBRIVOX, "*.wav")))
    return [(open(p, "rb").read(), references[os.path.basename(p)[:-4]]) for p in paths]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    model_dir = os.environ.get("PARLEY_MODEL_DIR", os.path.join(ROOT, "models", "whisper-base"))
    router = load_asr("whisper-base", model_dir, None, choose_device("cpu"), args.threads)
    model = router.primary.model

    import io
    clips = {}
    for name, samples in nonspeech.clips().items():
        buffer = io.BytesIO()
        nonspeech.write_wav(buffer, samples)
        clips[name] = buffer.getvalue()
    silent = {n: d for n, d in clips.items() if not n.startswith("speech_")}
    minutes = sum(decode(d).shape[0] for d in silent.values()) / 16000 / 60
    speech = speech_set()

    def direct(vad):
        def run(data):
            segments, _ = model.transcribe(decode(data), beam_size=5, vad_filter=vad)
            return " ".join(s.text for s in segments)
        return run

    def parley(batch):
        payload, items = b"", []
        for i, data in enumerate(batch):
            items.append({"id": str(i), "offset": len(payload), "length": len(data), "options": {}})
            payload += data
        return [r["result"]["text"] for r in transcribe_items(router, items, payload)]

    rows = []
    for label, one, many in [
        ("faster-whisper", direct(False), None),
        ("faster-whisper vad_filter", direct(True), None),
        ("parley engine", None, parley),
    ]:
        started = time.perf_counter()
        texts = many(list(silent.values())) if many else [one(d) for d in silent.values()]
        invented = sum(len(words(t)) for t in texts)
        per_clip = {n: len(words(t)) for n, t in zip(silent, texts)}
        nonspeech_seconds = time.perf_counter() - started
        started = time.perf_counter()
        hyps = many([d for d, _ in speech]) if many else [one(d) for d, _ in speech]
        speech_seconds = time.perf_counter() - started
        rate = wer([(ref, hyp) for (_, ref), hyp in zip(speech, hyps)])
        rows.append((label, invented, invented / minutes, rate, nonspeech_seconds, speech_seconds, per_clip))

    print(f"non-speech: {len(silent)} clips, {minutes:.1f} min; speech: {len(speech)} LibriVox clips; threads {args.threads}")
    print(f"{'':28s} {'words':>6s} {'words/min':>10s} {'WER':>7s} {'non-speech s':>13s} {'speech s':>9s}")
    for label, invented, per_minute, speech_wer, ns, sp, _ in rows:
        print(f"{label:28s} {invented:6d} {per_minute:10.2f} {speech_wer:7.1%} {ns:13.1f} {sp:9.1f}")
    for label, *_, per_clip in rows:
        print(f"{label}: " + ", ".join(f"{n}={c}" for n, c in per_clip.items() if c))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Diarization: DER on the synthesised conversations, and its cost against transcription.

For each conversation of ``engine/tests/conversations.py`` (one to four voices, turns with
pauses and some overlap, exact RTTM references), the engine's ``transcribe`` operation runs
twice on the same model and threads, without and with ``diarize``; the report gives the
speakers found, DER (collar 0 and 0.25 s), and the time of each run and of the diarization
step itself (speaker windows, embeddings, clustering). ``--long MINUTES`` adds one long
conversation (its turns repeated) through the streaming path, both ways.

Run with the engine's venv: ``engine/.venv/bin/python bench/diarization.py [--threads 2] [--long 10]``.
"""

import argparse
import io
import json
import os
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "engine"), os.path.join(ROOT, "engine", "tests")]

import numpy as np  # noqa: E402

import conversations  # noqa: E402
from parley_engine.asr_router import load_asr  # noqa: E402
from parley_engine.der import score  # noqa: E402
from parley_engine.transcription import transcribe_items  # noqa: E402
from parley_engine.whisper_backend import choose_device  # noqa: E402


def wav_bytes(samples: np.ndarray) -> bytes:
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as f:
        f.setnchannels(1), f.setsampwidth(2), f.setframerate(conversations.SR)
        f.writeframes((samples * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def run(router, data: bytes, diarize: bool):
    started = time.perf_counter()
    item = {"id": "c", "offset": 0, "length": len(data), "options": {"language": "en", "diarize": diarize}}
    (answer,) = transcribe_items(router, [item], data)
    assert answer["ok"], answer
    return answer["result"], time.perf_counter() - started


def measure(router, name: str, conversation) -> dict:
    data = wav_bytes(conversation.samples)
    _, plain = run(router, data, False)
    result, diarized = run(router, data, True)
    hypothesis = [(t["speaker"], t["start"], t["end"]) for t in result["speaker_turns"]]
    report = score(conversation.reference, hypothesis)
    return {
        "conversation": name, "seconds": round(conversation.samples.shape[0] / conversations.SR, 1),
        "speakers": conversation.speakers, "found": result["speaker_count"],
        "der": round(report.der, 4), "der_collar_0.25": round(score(conversation.reference, hypothesis, 0.25).der, 4),
        "missed": round(report.missed, 2), "false_alarm": round(report.false_alarm, 2), "confusion": round(report.confusion, 2),
        "transcribe_s": round(plain, 2), "transcribe_diarized_s": round(diarized, 2),
        "diarize_step_s": result["timings"]["diarize"],
        "step_share": round(result["timings"]["diarize"] / plain, 3), "total_ratio": round(diarized / plain, 3),
    }


def long_conversation(minutes: float):
    base = conversations.build(["en+m3", "en+f2", "librivox"], 12, seed=2)
    repeats = max(1, int(np.ceil(minutes * 60 / (base.samples.shape[0] / conversations.SR))))
    length = base.samples.shape[0] / conversations.SR
    samples = np.concatenate([base.samples] * repeats)
    reference = [(s, a + n * length, b + n * length) for n in range(repeats) for s, a, b in base.reference]
    return conversations.Conversation(samples, reference)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="diarization.py")
    parser.add_argument("--model", default=os.path.join(ROOT, "models", "whisper-base"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--long", type=float, default=0.0, help="minutes of one long conversation to add (streamed past 10)")
    args = parser.parse_args(argv)
    router = load_asr("whisper-base", args.model, None, choose_device("cpu"), args.threads)
    run(router, wav_bytes(conversations.standard()["one_voice"].samples), False)  # warm-up
    rows = [measure(router, name, c) for name, c in conversations.standard().items()]
    if args.long:
        rows.append(measure(router, f"long_{args.long:g}_min", long_conversation(args.long)))
    for row in rows:
        print(json.dumps(row))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"summary": "mean", "der": round(float(np.mean([r["der"] for r in rows])), 4),
                      "step_share": round(float(np.mean([r["step_share"] for r in rows])), 3),
                      "total_ratio": round(float(np.mean([r["total_ratio"] for r in rows])), 3),
                      "peak_rss_mib": round(peak)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

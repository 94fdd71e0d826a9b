"""ASR throughput: direct faster-whisper against Parley end to end, on the same audio, in one run.

(a) direct: one Python process, model preloaded, one file at a time (the library's defaults:
    beam 5, int8 on CPU, threads = cores).
(b) parley: `parley serve` on a fresh data directory; POST /v1/jobs with every item, poll until done.
Prints audio seconds, wall seconds, speed (audio s / wall s) and WER for each, the ratio b/a, and
the peak RSS of Parley's processes. `--variant` compares several Parley settings against one direct run.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
ESPEAK_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please send the quarterly report to the finance team before Friday.",
    "The meeting has been moved to the large conference room on the second floor.",
    "We will need three more chairs and a projector for the presentation.",
    "Our flight to London leaves at seven thirty in the morning.",
]
ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnop"


def words(text):
    spelled = {"mr": "mister", "mrs": "missus", "dr": "doctor"}
    return [spelled.get(w, w) for w in re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()]


def wer(pairs):
    errors = total = 0
    for reference, hypothesis in pairs:
        ref, hyp = words(reference), words(hypothesis)
        previous = list(range(len(hyp) + 1))
        for i, r in enumerate(ref):
            current = [i + 1] + [0] * len(hyp)
            for j, h in enumerate(hyp):
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (r != h))
            previous = current
        errors += previous[-1]
        total += len(ref)
    return errors / max(total, 1)


def duration(path):
    out = subprocess.run(["soxi", "-D", path], capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def build_sets(directory, count):
    """Short clips (real LibriVox and espeak English, repeated to `count`), long files (>= 60 s), and
    four length buckets built from the same clips joined end to end."""
    references = {}
    for line in open(os.path.join(LIBRIVOX, "transcription")):
        name = line.strip().rsplit("(", 1)[1].rstrip(")")
        references[os.path.join(LIBRIVOX, name + ".wav")] = line.split("</s>")[0].replace("<s>", "").strip()
    for index, sentence in enumerate(ESPEAK_SENTENCES):
        raw = os.path.join(directory, f"espeak{index}-raw.wav")
        path = os.path.join(directory, f"espeak{index}.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", raw, sentence], check=True)
        subprocess.run(["sox", raw, "-r", "16000", "-c", "1", path], check=True)
        references[path] = sentence
    bases = sorted(references)
    short = [(bases[i % len(bases)], references[bases[i % len(bases)]]) for i in range(count)]
    gap = os.path.join(directory, "gap.wav")
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", gap, "trim", "0", "0.5"], check=True)

    def joined(tag, seconds, files):
        """``files`` recordings of at least ``seconds`` each: clips end to end, 0.5 s apart."""
        made = []
        for index in range(files):
            path = os.path.join(directory, f"{tag}{index}.wav")
            chosen, total = [], 0.0
            while total < seconds:
                clip = bases[(len(chosen) + index) % len(bases)]
                chosen.append(clip)
                total += duration(clip) + 0.5
            subprocess.run(["sox"] + [p for clip in chosen for p in (clip, gap)] + [path], check=True)
            made.append((path, " ".join(references[c] for c in chosen)))
        return made

    long = joined("long", 60, 2)
    # Length buckets of about two minutes of audio each: < 5 s, 5-15 s, 15-30 s, > 30 s.
    buckets = [
        ("bucket < 5 s", short[:max(24, len(bases))]),
        ("bucket 5-15 s", joined("b10-", 9, 12)),
        ("bucket 15-30 s", joined("b20-", 20, 6)),
        ("bucket > 30 s", joined("b45-", 45, 3)),
    ]
    return short, long, buckets


def direct(items, model_dir, threads, beam, language):
    from faster_whisper import WhisperModel

    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
    start = time.perf_counter()
    outputs = []
    for path, _ in items:
        segments, _info = model.transcribe(path, beam_size=beam, language=language)
        outputs.append(" ".join(s.text.strip() for s in segments))
    return time.perf_counter() - start, outputs


def request(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as response:
        return json.load(response)


def parley(items, binary, port, env_extra, language):
    data = tempfile.mkdtemp(prefix="parley-bench-")
    env = dict(os.environ, PARLEY_ADMIN_KEY=ADMIN_KEY, PARLEY_ROOT=ROOT, PARLEY_LOG_LEVEL="warning", **env_extra)
    server = subprocess.Popen([binary, "serve", "--port", str(port), "--data-dir", data], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/ready", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        payload = {"job_type": "asr", "default_src_lng": language, "items": [
            {"id": f"i{n}", "base64": base64.b64encode(open(path, "rb").read()).decode()} for n, (path, _) in enumerate(items)]}
        start = time.perf_counter()
        job = request(port, "POST", "/v1/jobs", payload)["job_id"]
        while request(port, "GET", f"/v1/jobs/{job}")["status"] in ("queued", "running"):
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        results = {r["id"]: r for r in request(port, "GET", f"/v1/jobs/{job}/results")["results"]}
        outputs = [(results[f"i{n}"].get("result") or {}).get("text", "") for n in range(len(items))]
        peak = peak_rss(server.pid)
        return elapsed, outputs, peak
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def peak_rss(pid):
    """Peak resident memory (VmHWM) of the server and its children, in MiB."""
    total = 0
    pids = [str(pid)] + subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def report(name, items, results):
    audio = sum(duration(path) for path, _ in items)
    print(f"\n== {name}: {len(items)} items, {audio:.1f} s of audio")
    print(f"{'how':<24} {'wall s':>8} {'speed x':>8} {'WER %':>7} {'ratio':>6} {'peak RSS MiB':>13}")
    base = audio / results["direct"][0]
    for how, (wall, outputs, peak) in results.items():
        score = wer([(ref, out) for (_, ref), out in zip(items, outputs)])
        rss = f"{peak:>13.0f}" if peak else f"{'':>13}"
        print(f"{how:<24} {wall:>8.2f} {audio / wall:>8.2f} {100 * score:>7.1f} {audio / wall / base:>6.2f} {rss}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/parley"))
    parser.add_argument("--port", type=int, default=18123)
    parser.add_argument("--sets", default="short,long", help="short, long, bucket (the four length buckets)")
    parser.add_argument("--env", action="append", default=[], help="extra PARLEY_* settings for every server, NAME=VALUE")
    parser.add_argument("--variant", action="append", default=[],
                        help="a Parley run to compare, NAME:VAR=VALUE,VAR=VALUE (repeatable; default one run, 'parley'); "
                             "BINARY=path runs another parley binary (an earlier build) for that variant")
    parser.add_argument("--language", default=None, help="the items' language (default: detected)")
    args = parser.parse_args()
    env_extra = dict(e.split("=", 1) for e in args.env)
    variants = [("parley", {})]
    if args.variant:
        variants = []
        for spec in args.variant:
            name, _, settings = spec.partition(":")
            variants.append((name, dict(kv.split("=", 1) for kv in settings.split(",") if kv)))
    model_dir = os.path.join(ROOT, "models", "whisper-base")
    with tempfile.TemporaryDirectory() as directory:
        short, long, buckets = build_sets(directory, args.items)
        sets = [("short clips", short), ("long audio", long)] + buckets
        for name, items in sets:
            if name.split()[0] not in args.sets:
                continue
            wall, outputs = direct(items, model_dir, args.threads, args.beam, args.language)
            results = {"direct": (wall, outputs, None)}
            for variant, settings in variants:
                settings = dict(settings)
                binary = settings.pop("BINARY", args.binary)
                results[variant] = parley(items, binary, args.port, dict(env_extra, **settings), args.language)
            report(name, items, results)


if __name__ == "__main__":
    sys.exit(main())

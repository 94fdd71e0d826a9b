"""One hostile tenant against one ordinary tenant, on the real binary with the real engine.

Tenant A submits 16 ``audio_url`` items whose server sends its headers, then one byte every
2 s, with a ``webhook_url`` whose receiver sends headers but never a body, and a second job
that fails at once, so its webhook to that receiver is in flight at once. Tenant B then
submits 3 short LibriVox clips as base64, with a webhook to a healthy receiver. The script
prints how long B's job took, B's attempts, when B's webhook arrived, and how and when each of
A's items ended; it exits 1 if B's job is not done within 60 s with every item on attempt 1, or
if B's webhook never arrives.

Run: ``python3 bench/hostile_tenant.py --binary .build/release/parley`` (the embedded default:
SQLite, local blobs, an in-process worker). Loopback only.
"""

import argparse
import base64
import glob
import http.server
import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_KEY = "bench-admin-key-0123456789abcdefghijklmnop"
LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
webhooks = []  # (path, seconds since the start, body)
START = time.monotonic()


class Hostile(http.server.BaseHTTPRequestHandler):
    """/trickle: headers, then a byte every 2 s; /stall: headers, never a body; /ok: 200."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/trickle"):
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"R")
                    self.wfile.flush()
                    time.sleep(2)
            except OSError:
                return

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        webhooks.append((self.path, time.monotonic() - START, body))
        if self.path.startswith("/stall"):
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
            time.sleep(600)
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def api(port, method, path, key, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/parley"))
    parser.add_argument("--port", type=int, default=18191)
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for A's items to end")
    args = parser.parse_args()

    hostile = Server(("127.0.0.1", 0), Hostile)
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{hostile.server_address[1]}"
    data = tempfile.mkdtemp(prefix="parley-hostile-")
    env = dict(os.environ, PARLEY_ADMIN_KEY=ADMIN_KEY, PARLEY_ROOT=ROOT, PARLEY_LOG_LEVEL="warning",
               PARLEY_FETCH_ALLOW_HOSTS="127.0.0.1", PARLEY_WEBHOOK_ALLOW_HOSTS="127.0.0.1")
    log = open(os.path.join(data, "serve.log"), "w")
    server = subprocess.Popen([args.binary, "serve", "--port", str(args.port), "--data-dir", data],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/v1/ready", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        key_a = api(args.port, "POST", "/v1/auth/token", ADMIN_KEY, {"owner": "tenant-a", "scopes": ["jobs:write", "jobs:read"]})["key"]
        key_b = api(args.port, "POST", "/v1/auth/token", ADMIN_KEY, {"owner": "tenant-b", "scopes": ["jobs:write", "jobs:read"]})["key"]
        a_started = time.monotonic()
        job_a = api(args.port, "POST", "/v1/jobs", key_a, {
            "job_type": "asr", "webhook_url": f"{origin}/stall",
            "items": [{"id": f"slow-{i}", "audio_url": f"{origin}/trickle/{i}.wav"} for i in range(16)],
        })["job_id"]
        # A's second job fails at once (undecodable audio), so its webhook to the stalled receiver
        # is in flight while B's job runs.
        api(args.port, "POST", "/v1/jobs", key_a, {
            "job_type": "asr", "webhook_url": f"{origin}/stall",
            "items": [{"id": "junk", "base64": base64.b64encode(b"not audio" * 100).decode()}],
        })
        time.sleep(1)
        clips = sorted(glob.glob(os.path.join(LIBRIVOX, "*.wav")))[:3]
        b_started = time.monotonic()
        job_b = api(args.port, "POST", "/v1/jobs", key_b, {
            "job_type": "asr", "webhook_url": f"{origin}/ok",
            "items": [{"id": os.path.basename(c)[:-4], "base64": base64.b64encode(open(c, "rb").read()).decode()} for c in clips],
        })["job_id"]
        b_done = None
        while time.monotonic() - b_started < 120:
            job = api(args.port, "GET", f"/v1/jobs/{job_b}", key_b)
            if job["status"] in ("succeeded", "failed", "completed_with_errors"):
                b_done = time.monotonic() - b_started
                break
            time.sleep(0.25)
        b_attempts = [item["attempts"] for item in job.get("items", [])]
        print(f"B: {job['status']} in {b_done if b_done is not None else float('nan'):.1f} s, attempts {b_attempts}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(path.startswith("/ok") for path, _, _ in webhooks):
            time.sleep(0.25)
        arrived = [at - (b_started - START) for path, at, _ in webhooks if path.startswith("/ok")]
        print(f"B's webhook: {'arrived %.1f s after submission' % arrived[0] if arrived else 'never arrived'}")

        ended = {}
        while time.monotonic() - a_started < args.wait:
            job = api(args.port, "GET", f"/v1/jobs/{job_a}", key_a)
            for item in job.get("items", []):
                if item["status"] in ("succeeded", "failed") and item["id"] not in ended:
                    ended[item["id"]] = (time.monotonic() - a_started, item["attempts"], (item.get("error") or {}).get("code"))
            if job["status"] in ("succeeded", "failed", "completed_with_errors"):
                break
            time.sleep(1)
        codes = sorted({code for _, _, code in ended.values()})
        times = sorted(at for at, _, _ in ended.values())
        print(f"A: {job['status']}; {len(ended)} of 16 items ended, codes {codes}, "
              f"attempts {sorted({attempts for _, attempts, _ in ended.values()})}, "
              f"ended between {times[0] if times else 0:.0f} s and {times[-1] if times else 0:.0f} s")
        time.sleep(15)
        stalled = [at - (a_started - START) for path, at, _ in webhooks if path.startswith("/stall")]
        print(f"A's webhooks to the stalled receiver: {len(stalled)} attempt(s), at "
              + ", ".join(f"{at:.0f} s" for at in stalled))
        ok = b_done is not None and b_done < 60 and job_b and set(b_attempts) == {1} and bool(arrived)
        return 0 if ok else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        hostile.shutdown()


if __name__ == "__main__":
    sys.exit(main())

"""API memory under large bodies: N clients each POST one job of about SIZE MB of inline
(base64) audio at once to an API-only `parley serve` (SQLite), retrying on 503 with its
Retry-After; prints the server's peak RSS (VmHWM), the answers, and the wall time.

Usage: python3 bench/api_memory.py --binary .build/debug/parley [--clients 50] [--mb 50]
           [--env PARLEY_INFLIGHT_BODY_BYTES=...]
"""
import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_KEY = "pk_benchadmin_" + "m" * 40


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def post(port, body, answers, lock):
    for _ in range(600):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            connection.request("POST", "/v1/jobs", body=body, headers={
                "Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            status, retry = response.status, float(response.getheader("Retry-After") or 0)
        except OSError as error:
            status, retry = f"error {error}", 1.0
        finally:
            connection.close()
        with lock:
            answers.append(status)
        if status != 503:
            return
        time.sleep(retry or 1.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/parley"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--mb", type=float, default=50, help="size of each request body in MB (base64 JSON)")
    parser.add_argument("--port", type=int, default=18131)
    parser.add_argument("--env", action="append", default=[], help="extra PARLEY_* settings, NAME=VALUE")
    args = parser.parse_args()
    audio = os.urandom(int(args.mb * 1_000_000 * 3 / 4) - 200)
    body = json.dumps({"job_type": "asr", "items": [{"id": "a", "base64": base64.b64encode(audio).decode()}]}).encode()
    data = tempfile.mkdtemp(prefix="parley-api-memory-")
    env = dict(os.environ, PARLEY_ADMIN_KEY=ADMIN_KEY, PARLEY_ROOT=ROOT, PARLEY_LOG_LEVEL="warning",
               PARLEY_MAX_ITEM_BYTES=str(len(audio) + 1024), PARLEY_MIN_FREE_BYTES="0",
               **dict(e.split("=", 1) for e in args.env))
    server = subprocess.Popen([args.binary, "serve", "--no-worker", "--port", str(args.port), "--data-dir", data],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/v1/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        idle = peak_rss_mib(server.pid)
        answers, lock = [], threading.Lock()
        started = time.perf_counter()
        threads = [threading.Thread(target=post, args=(args.port, body, answers, lock)) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        peak = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    names = [str(status) for status in answers]
    counts = {name: names.count(name) for name in sorted(set(names))}
    print(f"{args.clients} clients x {len(body) / 1e6:.1f} MB bodies ({' '.join(args.env) or 'defaults'}): "
          f"peak RSS {peak:.0f} MiB (idle {idle:.0f} MiB), answers {counts}, {wall:.1f} s")


if __name__ == "__main__":
    sys.exit(main())

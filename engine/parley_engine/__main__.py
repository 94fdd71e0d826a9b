"""Entry point: ``python -m parley_engine``. Frames travel on stdout; logs go to stderr."""

import argparse
import json
import logging
import os
import sys
import time

from .allocator import fix_mmap_threshold
from .server import EngineSettings, Server
from .transcription import Strategy
from .whisper_backend import choose_device


def _protocol_streams():
    """Keeps the real stdout for frames and points fd 1 at stderr, so stray prints
    from native libraries can never corrupt the protocol."""
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, os.fdopen(protocol_fd, "wb", buffering=0)


class JSONFormatter(logging.Formatter):
    """One JSON object per line, matching the Swift side's log fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "label": "engine",
            "source": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="parley_engine")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--compute-type", default="default", help="int8, float16, ...")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads per request")
    parser.add_argument("--parallel", type=int, default=1, help="requests run at once over one copy of each model")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--no-batching", action="store_true", help="transcribe items one by one")
    parser.add_argument("--no-windowing", action="store_true", help="encode short items in full 30 s windows")
    parser.add_argument("--no-chunking", action="store_true", help="long items take faster-whisper's sequential path")
    parser.add_argument("--packing", action="store_true", help="pack items of one known language into shared windows")
    parser.add_argument("--log-format", default="text", choices=["text", "json"])
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    if args.log_format == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("engine[%(process)d] %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=args.log_level.upper(), handlers=[handler])
    fix_mmap_threshold()
    reader, writer = _protocol_streams()
    strategy = Strategy(
        batching=not args.no_batching, windowing=not args.no_windowing, chunking=not args.no_chunking, packing=args.packing
    )
    settings = EngineSettings(choose_device(args.device, args.compute_type), args.threads, strategy, max(1, args.parallel))
    server = Server(settings)
    server.serve(reader, writer)
    return 0


if __name__ == "__main__":
    sys.exit(main())

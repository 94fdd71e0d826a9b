"""Entry point: ``python -m parley_engine``. Frames travel on stdout; logs go to stderr."""

import argparse
import logging
import os
import sys

from .server import EngineSettings, Server
from .whisper_backend import choose_device


def _protocol_streams():
    """Keeps the real stdout for frames and points fd 1 at stderr, so stray prints
    from native libraries can never corrupt the protocol."""
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return sys.stdin.buffer, os.fdopen(protocol_fd, "wb", buffering=0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="parley_engine")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--compute-type", default="default", help="int8, float16, ...")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="engine[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    reader, writer = _protocol_streams()
    server = Server(EngineSettings(choose_device(args.device, args.compute_type), args.threads))
    server.serve(reader, writer)
    return 0


if __name__ == "__main__":
    sys.exit(main())

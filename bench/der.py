#!/usr/bin/env python3
"""Diarization error rate of a hypothesis RTTM against a reference RTTM.

Usage: bench/der.py REFERENCE.rttm HYPOTHESIS.rttm [--collar SECONDS]

Scores every recording of the reference (a recording missing from the hypothesis scores
as all missed) and prints one JSON object: per recording and overall, DER with its missed
speech, false alarm and speaker confusion in seconds (10 ms frames, the best one-to-one
speaker mapping, overlapped speech counted per speaker; see engine/parley_engine/der.py).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine"))

from parley_engine.der import parse_rttm, score  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="der.py")
    parser.add_argument("reference")
    parser.add_argument("hypothesis")
    parser.add_argument("--collar", type=float, default=0.0, help="seconds around reference boundaries left unscored")
    args = parser.parse_args(argv)
    with open(args.reference) as f:
        reference = parse_rttm(f.read())
    with open(args.hypothesis) as f:
        hypothesis = parse_rttm(f.read())
    recordings = {name: score(turns, hypothesis.get(name, []), args.collar) for name, turns in reference.items()}
    total = sum(r.reference_seconds for r in recordings.values())
    errors = sum(r.missed + r.false_alarm + r.confusion for r in recordings.values())
    print(json.dumps({
        "der": round(errors / total, 4) if total else 0.0,
        "collar": args.collar,
        "recordings": {name: r.to_dict() for name, r in recordings.items()},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Reads a clipwb run folder's event files with TensorBoard's own reader
(EventAccumulator, what `tensorboard --logdir` uses) and compares every
scalar curve with metrics.jsonl: the same tags, and for each tag the same
steps in the same order with the same float32 values and wall times.

usage: tensorboard_readback.py RUN_DIR
Prints a one-line JSON summary; exit 1 with the first difference.
"""
import json
import math
import os
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator

# Not curves: the axes (step, time) and the run's constants (as TensorBoardWriter.h says).
NOT_SCALARS = {"type", "step", "time", "max_steps", "num_samples"}


def as_float32(value):
    return struct.unpack("<f", struct.pack("<f", float(value)))[0]


def expected_curves(metrics_path):
    curves = {}
    with open(metrics_path, encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a partial last line left by a killed run, as the trainer skips it
            if not isinstance(record.get("type"), str) or not isinstance(record.get("step"), int):
                continue
            for key, value in record.items():
                if key in NOT_SCALARS or isinstance(value, str) or value is None:
                    continue
                if isinstance(value, (bool, int, float)):
                    curves.setdefault(record["type"] + "/" + key, []).append(
                        (record["step"], as_float32(value), float(record.get("time", math.nan))))
    return curves


def main():
    run_dir = sys.argv[1]
    accumulator = event_accumulator.EventAccumulator(run_dir, size_guidance={event_accumulator.SCALARS: 0})
    accumulator.Reload()
    got = {tag: [(e.step, e.value, e.wall_time) for e in accumulator.Scalars(tag)]
           for tag in accumulator.Tags()["scalars"]}
    expected = expected_curves(os.path.join(run_dir, "metrics.jsonl"))
    if set(got) != set(expected):
        sys.exit("tags differ: only in TensorBoard %s, only in metrics.jsonl %s"
                 % (sorted(set(got) - set(expected)), sorted(set(expected) - set(got))))
    points = 0
    for tag, curve in sorted(expected.items()):
        if [p[0] for p in got[tag]] != [p[0] for p in curve]:
            sys.exit("%s: steps differ: TensorBoard %s, metrics.jsonl %s"
                     % (tag, [p[0] for p in got[tag]], [p[0] for p in curve]))
        for (step, value, wall), (_, want, want_wall) in zip(got[tag], curve):
            same = value == want or (math.isnan(value) and math.isnan(want))
            if not same or (not math.isnan(want_wall) and wall != want_wall):
                sys.exit("%s at step %d: TensorBoard %r at %r, metrics.jsonl %r at %r"
                         % (tag, step, value, wall, want, want_wall))
        points += len(curve)
    files = sorted(f for f in os.listdir(run_dir) if "tfevents" in f)
    print(json.dumps({"event_files": len(files), "tags": len(expected), "points": points}))


if __name__ == "__main__":
    main()

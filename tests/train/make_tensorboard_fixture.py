#!/usr/bin/env python3
"""Writes tests/fixtures/tensorboard/reference.tfevents with TensorBoard's own
writer (tensorboard.summary.writer.record_writer + its Event protobuf), for
TestTensorBoard to compare clipwb's hand-written encoder with byte for byte.

Run with a Python that has the `tensorboard` package, e.g. the venv that
packaging/tensorboard-env.sh makes:
    "$(bash packaging/tensorboard-env.sh)" tests/train/make_tensorboard_fixture.py
"""
import io
import os
import sys

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "fixtures", "tensorboard", "reference.tfevents")
buffer = io.BytesIO()
writer = RecordWriter(buffer)
writer.write(event_pb2.Event(wall_time=1764745200.25, file_version="brain.Event:2").SerializeToString())
# Steps of one, two and three varint bytes; a float that is not exact in binary;
# a Chinese tag (UTF-8 bytes in the string field).
events = [
    (1764745201.5, 1, [("train/loss", 4.605170249938965), ("train/lr", 5e-05)]),
    (1764745202.125, 300, [("val/t2i_r1", 54.7), ("val/mean_recall", 84.6)]),
    (1764745203.0, 123456, [("train/损失", -0.1), ("train/skipped", 0.0)]),
]
for wall_time, step, values in events:
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in values])
    writer.write(event_pb2.Event(wall_time=wall_time, step=step, summary=summary).SerializeToString())
with open(out, "wb") as f:
    f.write(buffer.getvalue())
print(out, len(buffer.getvalue()), "bytes")

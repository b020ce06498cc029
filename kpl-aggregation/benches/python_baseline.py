"""Throughput of the Python aws-kinesis-agg package on the bench's workload, for comparison.

Usage: $STREAMSTACK_VENV/bin/python kpl-aggregation/benches/python_baseline.py
"""
import base64
import random
import time

from aws_kinesis_agg.aggregator import RecordAggregator
from aws_kinesis_agg.deaggregator import deaggregate_records

N = 20_000
MAX = 51_200


def records(size):
    rng = random.Random(1)
    return [("partition-key-%04d" % (i % 1000), bytes(rng.getrandbits(8) for _ in range(size))) for i in range(N)]


def aggregate(recs):
    agg = RecordAggregator(max_size=MAX)
    out = []
    for pk, data in recs:
        full = agg.add_user_record(pk, data)
        if full is not None:
            out.append(full.get_contents())
    last = agg.clear_and_get()
    if last is not None:
        out.append(last.get_contents())
    return out


def best_of(fn, runs=3):
    best = None
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


for label, size in (("100B", 100), ("1KiB", 1024)):
    recs = records(size)
    t = best_of(lambda: aggregate(recs))
    print("python aggregate/%s: %.0f records/s" % (label, N / t))
    event = [
        {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": pk, "sequenceNumber": "1",
                     "approximateArrivalTimestamp": 1.0, "data": base64.b64encode(data).decode()}}
        for pk, _ehk, data in aggregate(recs)
    ]
    t = best_of(lambda: deaggregate_records(event))
    print("python deaggregate/%s: %.0f records/s" % (label, N / t))

"""The Python path of the produce benchmark (benches/produce.rs): boto3 PutRecords with
aws-kinesis-agg aggregation, as a Python service would produce KPL records.

Usage: python_producer.py STREAM FILE ENDPOINT

Reads FILE (one record per line), gives each record a random partition key (as
`streamstack produce` does by default), aggregates with aws_kinesis_agg.RecordAggregator at the
KPL's default 51,200-byte aggregate size, and sends PutRecords batches of up to 500 entries and
5 MiB, retrying failed entries. The timer starts after the imports and the file read, so the
figure is the Python path at its best. Prints one JSON line: records, seconds, calls.
"""

import json
import random
import sys
import time

import boto3
from aws_kinesis_agg.aggregator import RecordAggregator

MAX_ENTRIES = 500
MAX_BYTES = 5 * 1024 * 1024


def main():
    stream, path, endpoint = sys.argv[1:4]
    client = boto3.client(
        "kinesis",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with open(path, "rb") as f:
        lines = [line.rstrip(b"\n") for line in f if line.strip()]
    rng = random.Random(0)
    calls = 0
    batch = []
    batch_bytes = 0

    def send(entries):
        nonlocal calls
        while entries:
            calls += 1
            out = client.put_records(StreamName=stream, Records=entries)
            if out.get("FailedRecordCount", 0) == 0:
                return
            entries = [e for e, r in zip(entries, out["Records"]) if "ErrorCode" in r]
            time.sleep(0.05)

    def add(agg_record):
        nonlocal batch, batch_bytes
        pk, ehk, data = agg_record.get_contents()
        size = len(data) + len(pk)
        if len(batch) == MAX_ENTRIES or batch_bytes + size > MAX_BYTES:
            send(batch)
            batch, batch_bytes = [], 0
        entry = {"PartitionKey": pk, "Data": data}
        if ehk is not None:
            entry["ExplicitHashKey"] = ehk
        batch.append(entry)
        batch_bytes += size

    start = time.perf_counter()
    aggregator = RecordAggregator(max_size=51200)
    for line in lines:
        full = aggregator.add_user_record("%016x" % rng.getrandbits(64), line)
        if full is not None:
            add(full)
    last = aggregator.clear_and_get()
    if last is not None:
        add(last)
    if batch:
        send(batch)
    seconds = time.perf_counter() - start
    print(json.dumps({"records": len(lines), "seconds": seconds, "calls": calls}))


if __name__ == "__main__":
    main()

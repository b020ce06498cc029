"""Bridge to the aws-kinesis-agg Python package for the interop tests.

Usage: interop.py aggregate|deaggregate, JSON on stdin, JSON on stdout. Binary data is base64.

aggregate:   {"max_size": int, "records": [{"pk": str, "ehk": str|null, "data": b64}]}
             -> [{"pk": str, "ehk": str|null, "data": b64}]  (aggregated Kinesis records)
deaggregate: [{"pk": str, "data": b64, "seq": str}]  (Kinesis records, as in a Lambda event)
             -> [{"pk", "ehk", "data", "seq", "sub", "aggregated"}]
"""
import base64
import json
import sys

from aws_kinesis_agg.aggregator import RecordAggregator
from aws_kinesis_agg.deaggregator import iter_deaggregate_records


def aggregate(request):
    agg = RecordAggregator(max_size=request["max_size"])
    out = []

    def emit(agg_record):
        pk, ehk, data = agg_record.get_contents()
        out.append({"pk": pk, "ehk": ehk, "data": base64.b64encode(data).decode()})

    for r in request["records"]:
        full = agg.add_user_record(r["pk"], base64.b64decode(r["data"]), r["ehk"])
        if full is not None:
            emit(full)
    last = agg.clear_and_get()
    if last is not None:
        emit(last)
    return out


def deaggregate(records):
    event = [
        {
            "eventSource": "aws:kinesis",
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": r["pk"],
                "sequenceNumber": r["seq"],
                "approximateArrivalTimestamp": 1545084650.987,
                "data": r["data"],
            },
        }
        for r in records
    ]
    out = []
    for u in iter_deaggregate_records(event):
        k = u["kinesis"]
        data = k["data"]
        out.append(
            {
                "pk": k["partitionKey"],
                "ehk": k.get("explicitHashKey"),
                "data": data.decode() if isinstance(data, bytes) else data,
                "seq": k["sequenceNumber"],
                "sub": k.get("subSequenceNumber"),
                "aggregated": k.get("aggregated", False),
            }
        )
    return out


if __name__ == "__main__":
    command = sys.argv[1]
    request = json.load(sys.stdin)
    result = aggregate(request) if command == "aggregate" else deaggregate(request)
    json.dump(result, sys.stdout)

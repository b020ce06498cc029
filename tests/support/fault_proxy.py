"""Loopback HTTP proxy in front of the emulator that fails a share of Kinesis PutRecords entries
(and, when asked, of GetRecords requests and DynamoDB BatchWriteItem calls).

Usage: fault_proxy.py UPSTREAM_URL FRACTION SEED PORT [GET_RECORDS_THROTTLE [DYNAMODB_FRACTION]]

Every request is forwarded to UPSTREAM_URL unchanged, except PutRecords (X-Amz-Target
Kinesis_20131202.PutRecords, awsJson 1.1): each entry is failed with probability FRACTION
(seeded, so a run is reproducible). Failed entries are *not* forwarded, so they are not stored;
their results say ProvisionedThroughputExceededException or InternalFailure like the service's
partial failures, in the entry's position, and FailedRecordCount counts them. The rest goes to
the emulator as one PutRecords request whose results are merged back in order.

GET_RECORDS_THROTTLE (default 0: every GetRecords is forwarded) is the share of GetRecords requests
answered, without reaching the emulator, as the service answers a shard read too often: HTTP 400,
{"__type": "ProvisionedThroughputExceededException", "message": ...} (awsJson 1.1 error shape). It draws
from its own seeded generator, so the PutRecords faults of a seed stay the same.

DynamoDB BatchWriteItem (X-Amz-Target DynamoDB_20120810.BatchWriteItem, awsJson 1.0), only when
DYNAMODB_FRACTION is given (default: forwarded unchanged like everything else): with probability
DYNAMODB_FRACTION the whole call is answered HTTP 400
ProvisionedThroughputExceededException, as DynamoDB throttles; otherwise each put request is
kept back with probability DYNAMODB_FRACTION and returned in UnprocessedItems (not forwarded,
so not stored), the rest forwarded as one call whose UnprocessedItems are merged in. Its figures
are the "ddb_calls", "ddb_throttled", "ddb_items" and "ddb_unprocessed" of the stats.

GET /fault-proxy/stats answers {"requests": N, "entries": N, "failed": N, "get_records": N,
"get_records_throttled": N, "get_records_by_shard": {SHARD: N}, "get_records_max_per_shard_second": N,
"get_records_seconds": S}: the PutRecords requests, entries and failed entries; the GetRecords requests,
the throttled ones, per shard (the shard read from the emulator's iterator, base64 of
"stream:shard:sequence"), the most requests of one shard within any one second, and the seconds from the
first GetRecords to the last.
The proxy prints "READY" once listening and exits when its stdin closes (the test process died).
"""

import base64
import collections
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = sys.argv[1].rstrip("/")
FRACTION = float(sys.argv[2])
RNG = random.Random(int(sys.argv[3]))
PORT = int(sys.argv[4])
GET_RECORDS_THROTTLE = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
DYNAMODB_FRACTION = float(sys.argv[6]) if len(sys.argv) > 6 else None
GET_RNG = random.Random(int(sys.argv[3]) + 1)
LOCK = threading.Lock()
STATS = {
    "requests": 0,
    "entries": 0,
    "failed": 0,
    "ddb_calls": 0,
    "ddb_throttled": 0,
    "ddb_items": 0,
    "ddb_unprocessed": 0,
}
GET_STATS = {"calls": 0, "throttled": 0, "by_shard": {}, "max_per_second": 0, "first": None, "last": None}
RECENT = collections.defaultdict(collections.deque)
CODES = ["ProvisionedThroughputExceededException", "InternalFailure"]
HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


def forward(method, path, headers, body):
    req = urllib.request.Request(UPSTREAM + path, data=body, method=method)
    for k, v in headers.items():
        if k.lower() not in HOP:
            req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, ctype, body):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/fault-proxy/stats":
            with LOCK:
                out = dict(STATS)
                out["get_records"] = GET_STATS["calls"]
                out["get_records_throttled"] = GET_STATS["throttled"]
                out["get_records_by_shard"] = dict(GET_STATS["by_shard"])
                out["get_records_max_per_shard_second"] = GET_STATS["max_per_second"]
                first, last = GET_STATS["first"], GET_STATS["last"]
                out["get_records_seconds"] = 0 if first is None else last - first
                body = json.dumps(out).encode()
            return self.reply(200, "application/json", body)
        self.reply(*forward("GET", self.path, dict(self.headers), None))

    def batch_write_item(self, body):
        request = json.loads(body)
        with LOCK:
            STATS["ddb_calls"] += 1
            throttle = RNG.random() < DYNAMODB_FRACTION
            if throttle:
                STATS["ddb_throttled"] += 1
        if throttle:
            error = {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded. (injected by the test proxy)",
            }
            return self.reply(400, "application/x-amz-json-1.0", json.dumps(error).encode())
        kept, held = {}, {}
        with LOCK:
            for table, writes in request["RequestItems"].items():
                for w in writes:
                    STATS["ddb_items"] += 1
                    if RNG.random() < DYNAMODB_FRACTION:
                        STATS["ddb_unprocessed"] += 1
                        held.setdefault(table, []).append(w)
                    else:
                        kept.setdefault(table, []).append(w)
        unprocessed = held
        if kept:
            request["RequestItems"] = kept
            status, ctype, out = forward(
                "POST", self.path, dict(self.headers), json.dumps(request).encode()
            )
            if status != 200:
                return self.reply(status, ctype, out)
            answer = json.loads(out)
            for table, writes in answer.get("UnprocessedItems", {}).items():
                unprocessed.setdefault(table, []).extend(writes)
        answer = {"UnprocessedItems": unprocessed}
        self.reply(200, "application/x-amz-json-1.0", json.dumps(answer).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        target = self.headers.get("X-Amz-Target", "")
        if target.endswith(".GetRecords"):
            return self.get_records(body)
        if DYNAMODB_FRACTION is not None and target == "DynamoDB_20120810.BatchWriteItem":
            return self.batch_write_item(body)
        if not target.endswith(".PutRecords"):
            return self.reply(*forward("POST", self.path, dict(self.headers), body))
        request = json.loads(body)
        entries = request["Records"]
        with LOCK:
            fail = [RNG.random() < FRACTION for _ in entries]
            STATS["requests"] += 1
            STATS["entries"] += len(entries)
            STATS["failed"] += sum(fail)
        kept = [e for e, f in zip(entries, fail) if not f]
        upstream_results = []
        failed_upstream = 0
        if kept:
            request["Records"] = kept
            status, ctype, out = forward(
                "POST", self.path, dict(self.headers), json.dumps(request).encode()
            )
            if status != 200:
                return self.reply(status, ctype, out)
            answer = json.loads(out)
            upstream_results = answer["Records"]
            failed_upstream = answer.get("FailedRecordCount", 0)
        results = []
        it = iter(upstream_results)
        for f in fail:
            if f:
                results.append(
                    {"ErrorCode": RNG.choice(CODES), "ErrorMessage": "injected by the test proxy"}
                )
            else:
                results.append(next(it))
        answer = {"FailedRecordCount": failed_upstream + sum(fail), "Records": results}
        self.reply(200, "application/x-amz-json-1.1", json.dumps(answer).encode())


def shard_of(body):
    try:
        iterator = json.loads(body)["ShardIterator"]
        return base64.b64decode(iterator).decode("utf-8").split(":")[1]
    except (ValueError, KeyError, IndexError):
        return "?"


def get_records(self, body):
    shard = shard_of(body)
    now = time.monotonic()
    with LOCK:
        GET_STATS["calls"] += 1
        GET_STATS["by_shard"][shard] = GET_STATS["by_shard"].get(shard, 0) + 1
        GET_STATS["first"] = now if GET_STATS["first"] is None else GET_STATS["first"]
        GET_STATS["last"] = now
        recent = RECENT[shard]
        recent.append(now)
        while now - recent[0] >= 1.0:
            recent.popleft()
        GET_STATS["max_per_second"] = max(GET_STATS["max_per_second"], len(recent))
        throttle = GET_RECORDS_THROTTLE > 0 and GET_RNG.random() < GET_RECORDS_THROTTLE
        if throttle:
            GET_STATS["throttled"] += 1
    if throttle:
        error = {
            "__type": "ProvisionedThroughputExceededException",
            "message": "Rate exceeded for shard " + shard + " (injected by the test proxy)",
        }
        return self.reply(400, "application/x-amz-json-1.1", json.dumps(error).encode())
    return self.reply(*forward("POST", self.path, dict(self.headers), body))


Handler.get_records = get_records


def main():
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

"""Loopback HTTP proxy in front of the emulator that fails a share of Kinesis PutRecords entries
and of DynamoDB BatchWriteItem calls.

Usage: fault_proxy.py UPSTREAM_URL FRACTION SEED PORT [DYNAMODB_FRACTION]

Every request is forwarded to UPSTREAM_URL unchanged, except PutRecords (X-Amz-Target
Kinesis_20131202.PutRecords, awsJson 1.1): each entry is failed with probability FRACTION
(seeded, so a run is reproducible). Failed entries are *not* forwarded, so they are not stored;
their results say ProvisionedThroughputExceededException or InternalFailure like the service's
partial failures, in the entry's position, and FailedRecordCount counts them. The rest goes to
the emulator as one PutRecords request whose results are merged back in order.

DynamoDB BatchWriteItem (X-Amz-Target DynamoDB_20120810.BatchWriteItem, awsJson 1.0), only when
DYNAMODB_FRACTION is given (default: forwarded unchanged like everything else): with probability
DYNAMODB_FRACTION the whole call is answered HTTP 400
ProvisionedThroughputExceededException, as DynamoDB throttles; otherwise each put request is
kept back with probability DYNAMODB_FRACTION and returned in UnprocessedItems (not forwarded,
so not stored), the rest forwarded as one call whose UnprocessedItems are merged in.

GET /fault-proxy/stats answers {"requests": N, "entries": N, "failed": N, "ddb_calls": N,
"ddb_throttled": N, "ddb_items": N, "ddb_unprocessed": N}.
The proxy prints "READY" once listening and exits when its stdin closes (the test process died).
"""

import json
import os
import random
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = sys.argv[1].rstrip("/")
FRACTION = float(sys.argv[2])
RNG = random.Random(int(sys.argv[3]))
PORT = int(sys.argv[4])
DYNAMODB_FRACTION = float(sys.argv[5]) if len(sys.argv) > 5 else None
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
                body = json.dumps(STATS).encode()
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

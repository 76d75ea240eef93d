#!/usr/bin/env python3
"""A webhook receiver for tests: records every request (one JSON line each) and answers as told.

  receiver.py --log FILE [--port 0] [--secret-file F] [--fail N] [--fail-status 500] [--hang N]

--fail N answers the first N requests with --fail-status; --hang N never answers the first N
(the client must time out). With --secret-file, checks X-Thinpool-Signature (HMAC-SHA256 of the
body, computed here with Python's own hmac) and records sig_ok. Prints "listening PORT" when up.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--log", required=True)
p.add_argument("--secret-file")
p.add_argument("--fail", type=int, default=0)
p.add_argument("--fail-status", type=int, default=500)
p.add_argument("--hang", type=int, default=0)
args = p.parse_args()
secret = open(args.secret_file, "rb").read().strip() if args.secret_file else None
lock = threading.Lock()
count = [0]
log = open(args.log, "a", encoding="utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count[0] += 1
            n = count[0]
        if n <= args.hang:
            time.sleep(3600)
            return
        status = args.fail_status if n <= args.hang + args.fail else 200
        sig_ok = None
        if secret is not None:
            want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(want, self.headers.get("X-Thinpool-Signature", ""))
        record = {"n": n, "time": time.time(), "path": self.path, "headers": dict(self.headers.items()),
                  "body": body.decode("utf-8", "replace"), "status": status, "sig_ok": sig_ok}
        with lock:
            log.write(json.dumps(record) + "\n")
            log.flush()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
server.daemon_threads = True
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()

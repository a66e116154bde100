#!/usr/bin/env python3
"""Loopback HTTP server for the model download tests: 127.0.0.1 only, port
chosen by the system and printed on the first line of stdout. Serves the files
of ROOT under /<mode>/OFA-Sys/<repo>/resolve/main/<file> (the Hugging Face
layout; the repo part is ignored). Modes:
  ok        200, or 206 for "Range: bytes=N-"
  drop      like ok, but the first request of each path ends the connection
            after half of the promised bytes
  norange   ignores Range: always 200 with the whole file
  slow      like ok, in 64 kB pieces 50 ms apart (for cancel)
  silent    answers nothing for 60 s (for a cancel while no byte arrives)
  error     503 Service Unavailable
  hf        302 to /ok/... with X-Linked-ETag (the file's SHA-256) and X-Linked-Size, as Hugging Face does
  corrupt   302 to /flip/... with the real X-Linked-ETag; /flip serves the file with one byte changed
  garbage   200 with bytes that are no checkpoint
GET /_log returns the requests seen so far (JSON: path and Range header).
"""
import hashlib
import http.server
import json
import os
import sys
import threading
import time

ROOT = sys.argv[1]
LOG = []
SEEN = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_bytes(self, status, body, headers=()):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            with LOCK:
                body = json.dumps(LOG).encode()
            return self.send_bytes(200, body, [("Content-Type", "application/json")])
        parts = self.path.split("/")
        mode, name = parts[1], parts[-1]
        with LOCK:
            LOG.append({"path": self.path, "range": self.headers.get("Range", "")})
            SEEN[self.path] = SEEN.get(self.path, 0) + 1
            first = SEEN[self.path] == 1
        path = os.path.join(ROOT, os.path.basename(name))
        if mode == "error":
            return self.send_bytes(503, b"busy")
        if mode == "silent":
            time.sleep(60)
            return self.send_bytes(503, b"too late")
        if not os.path.isfile(path):
            return self.send_bytes(404, b"no such file")
        with open(path, "rb") as f:
            data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        if mode in ("hf", "corrupt"):
            target = "/" + ("ok" if mode == "hf" else "flip") + "/" + "/".join(parts[2:])
            return self.send_bytes(302, b"", [("Location", target), ("X-Linked-ETag", '"%s"' % sha),
                                              ("X-Linked-Size", str(len(data)))])
        if mode == "flip":
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        if mode == "garbage":
            return self.send_bytes(200, b"this is not a checkpoint " * 100)
        start = 0
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and mode != "norange":
            start = int(wanted[6:].split("-")[0])
            if start >= len(data):
                return self.send_bytes(416, b"", [("Content-Range", "bytes */%d" % len(data))])
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drop" and first:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "slow":
            for at in range(0, len(body), 65536):
                self.wfile.write(body[at:at + 65536])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()

#!/usr/bin/env python3
"""A stand-in for dockerd's API socket, for tests of asking docker its version.

  fake-docker-api.py SOCKET MODE [VERSION]

MODE: version (HTTP 200, {"Version": VERSION, ...} as dockerd answers GET /version), chunked
(the same body in chunked transfer coding), notfound (HTTP 404), garbage (not HTTP), hang
(accepts and never answers), close (accepts and closes at once), hangfirst (never answers the
first request, answers the rest as version). Counts the requests it was
sent in SOCKET.count. Prints "listening" once the socket is bound.
"""
import json
import os
import socket
import sys
import threading

path, mode = sys.argv[1], sys.argv[2]
version = sys.argv[3] if len(sys.argv) > 3 else "20.10.24+dfsg1"
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
count = [0]
lock = threading.Lock()
print("listening", flush=True)


def serve(c):
    with c:
        if mode == "close":
            return
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return
            data += chunk
        with lock:
            count[0] += 1
            open(path + ".count", "w").write(str(count[0]))
        if mode == "hang" or (mode == "hangfirst" and count[0] == 1):
            threading.Event().wait()
        body = json.dumps({"Version": version, "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"}).encode()
        if mode in ("version", "hangfirst"):
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nServer: Docker/x (linux)\r\n\r\n" + body)
        elif mode == "chunked":
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + b"%x\r\n" % 10 + body[:10] + b"\r\n" + b"%x\r\n" % (len(body) - 10) + body[10:] + b"\r\n0\r\n\r\n")
        elif mode == "notfound":
            c.sendall(b"HTTP/1.0 404 Not Found\r\n\r\npage not found\n")
        elif mode == "garbage":
            c.sendall(b"\x00\x01hello\xff\r\n\r\n")


while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()

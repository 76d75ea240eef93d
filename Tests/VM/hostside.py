#!/usr/bin/env python3
"""Runs one VM scenario with a host side: forwards a host port to the exporter in the guest
(guest :10234) and serves a control endpoint the guest reaches at 10.0.2.2.

Guest -> host protocol (lines on the guest's output, requests to http://10.0.2.2:$CTRL):
  "@@SCRAPE NAME"   the host scrapes http://127.0.0.1:FWD/metrics (the exporter in the guest,
                    through qemu's port forward) and writes it into the transcript as an
                    "@@HOSTSCRAPE NAME" section; GET /done/NAME answers 200 once it has.
  "@@LOAD NAME CLIENTS SECONDS"
                    the host runs $SCRAPELOAD (Tests/VM/bench/scrapeload.c) against the
                    forwarded port with CLIENTS concurrent clients for SECONDS and writes what it
                    prints into the transcript; GET /done/NAME answers 200 once it has (the
                    benchmark's scrapers outside the VM, as Prometheus is).
  POST /hook/NAME   recorded into the transcript as an "@@HOSTPOST NAME" section (a webhook
                    receiver); GET /posts/NAME answers how many arrived.

Usage: hostside.py OUTFILE RUN_VM_ARGS...   (the guest gets CTRL=10.0.2.2:PORT in its env)
Exit status: run-vm.sh's.
"""
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class State:
    def __init__(self, out):
        self.lock = threading.Lock()
        self.out = out
        self.done = set()
        self.posts = {}

    def write(self, text):
        with self.lock:
            self.out.write(text)
            self.out.flush()


def main():
    outfile, vm_args = sys.argv[1], sys.argv[2:]
    fwd = free_port()
    out = open(outfile, "w", encoding="utf-8")
    state = State(out)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code, body=b""):
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            parts = self.path.strip("/").split("/")
            if parts[0] == "done" and len(parts) == 2:
                self.reply(200 if parts[1] in state.done else 404)
            elif parts[0] == "posts" and len(parts) == 2:
                self.reply(200, str(state.posts.get(parts[1], 0)).encode())
            else:
                self.reply(404)

        def do_POST(self):
            parts = self.path.strip("/").split("/")
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode("utf-8", "replace")
            if parts[0] == "hook" and len(parts) == 2:
                with state.lock:
                    state.posts[parts[1]] = state.posts.get(parts[1], 0) + 1
                headers = "".join(f"{k}: {v}\n" for k, v in self.headers.items())
                state.write(f"@@HOSTPOST {parts[1]} {time.time():.6f}\n{headers}\n{body}\n@@END\n")
                self.reply(200)
            else:
                self.reply(404)

    # The control endpoint binds port 0 and keeps it: no window for a VM running beside this one
    # (run-scenarios.sh runs two at once) to take the port between choosing and binding it.
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctrl = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    here = __file__.rsplit("/", 1)[0]
    cmd = [f"{here}/run-vm.sh", "-p", f"{fwd}:10234", "-e", f"CTRL=10.0.2.2:{ctrl}"] + vm_args
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    for line in proc.stdout:
        state.write(line)
        if line.startswith("@@SCRAPE "):
            name = line.split()[1]
            body, error = None, None
            for _ in range(100):   # the guest's exporter may still be starting
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{fwd}/metrics", timeout=5) as r:
                        body = r.read().decode()
                    break
                except Exception as e:  # noqa: BLE001
                    error = e
                    time.sleep(0.2)
            if body is None:
                state.write(f"@@FAIL host could not scrape the guest's exporter: {error}\n")
                body = ""
            state.write(f"@@HOSTSCRAPE {name}\n{body}@@END\n")
            with state.lock:
                state.done.add(name)
        elif line.startswith("@@LOAD "):
            name, clients, seconds = line.split()[1:4]
            load = os.environ.get("SCRAPELOAD")
            if not load:
                state.write("@@FAIL @@LOAD needs SCRAPELOAD (the host's scrapeload binary)\n")
            else:
                r = subprocess.run([load, str(fwd), clients, seconds], capture_output=True, text=True)
                # A load named b... is the baseline binary's (bench-vm.sh BASELINE=...).
                prefix = "baseline " if name.startswith("b") else ""
                state.write(f"{prefix}host {r.stdout}{r.stderr}")
            with state.lock:
                state.done.add(name)
    proc.wait()
    server.shutdown()
    out.close()
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()

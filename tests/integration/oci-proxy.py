#!/usr/bin/env python3
"""The oci suite's fault injector: a loopback HTTP proxy in front of the test's registry that
misbehaves on purpose.

oci-proxy.py PORT_FILE UPSTREAM MODE [FROM TO]: listens on 127.0.0.1 (a free port, written to
PORT_FILE), forwards to UPSTREAM (http://127.0.0.1:N). MODE 401: every request is refused with
401 and a Basic challenge. MODE 500: the first two blob GETs pass, every later one answers 500
(a registry failing mid-pull). MODE slow: every blob GET waits 1.5 s first (a slow link, so that
a test can kill a pull half-way). MODE swap: a request for manifest FROM (a digest) gets
manifest TO instead (a registry, or a path to it, that answers a pinned digest with other
content)."""
import http.client
import http.server
import sys
import time
import urllib.parse

port_file, upstream, mode = sys.argv[1], sys.argv[2], sys.argv[3]
swap = (sys.argv[4], sys.argv[5]) if mode == "swap" else None
up = urllib.parse.urlsplit(upstream)
blob_gets = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def forward(self):
        global blob_gets
        if mode == "401":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="fvm-test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.command == "GET" and "/blobs/" in self.path and mode == "slow":
            time.sleep(1.5)
        if self.command == "GET" and "/blobs/" in self.path and mode == "500":
            blob_gets += 1
            if blob_gets > 2:
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        path = self.path
        if swap is not None and path.endswith("/manifests/" + swap[0]):
            path = path[: -len(swap[0])] + swap[1]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        # Header by header: skopeo sends several Accept lines, all of which matter.
        conn.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", f"{up.hostname}:{up.port}")
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length"):
                conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os

os.rename(port_file + ".tmp", port_file)
server.serve_forever()

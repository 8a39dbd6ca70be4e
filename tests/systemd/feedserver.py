"""Serves the files of a folder over HTTP on 127.0.0.1 for tests/systemd/run.py. It is
started with `nsenter -t PID -n`: the host's python3 and files, the container's network
(which --private-network keeps apart from the host's loopback). Prints 'PORT n' once
listening, then one 'GET /path STATUS' line per request."""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(ROOT, self.path.lstrip("/").split("?", 1)[0])
        try:
            with open(path, "rb") as f:
                body = f.read()
            status = 200
        except OSError:
            body, status = b"not found\n", 404
        self.send_response(status)
        self.send_header("Content-Type", "application/atom+xml" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print("GET %s %d" % (self.path, status), flush=True)

    def log_message(self, *args):
        pass


ROOT = sys.argv[1]
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()

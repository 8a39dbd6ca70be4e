"""A local OpenAI-compatible chat-completions server for the summary tests. It speaks the
real protocol over real HTTP on 127.0.0.1 and records every request; a test scripts its
answers per request (slow, 429 with Retry-After, 500, malformed JSON, hanging)."""
import http.server
import json
import threading
import time


class LLMServer:
    def __init__(self):
        self.requests = []        # dicts: body (parsed JSON), headers, t_start, t_end
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        # A list of behaviours consumed one per request; when empty, `default` applies.
        # A behaviour is a dict: {"status": 200, "delay": 0, "retry_after": None,
        #   "raw": None (raw body bytes), "hang": False, "text": None}
        self.script = []
        self.default = {}
        self.answer = lambda body: "Model summary of: " + _title_of(body)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"_unparsable": raw.decode("utf-8", "replace")}
                rec = {"path": self.path, "body": body, "t_start": time.time(), "t_end": None,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "raw_headers": list(self.headers.items())}
                with server.lock:
                    server.requests.append(rec)
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                    beh = server.script.pop(0) if server.script else dict(server.default)
                try:
                    self.respond(body, beh)
                finally:
                    with server.lock:
                        server.active -= 1
                        rec["t_end"] = time.time()

            def respond(self, body, beh):
                if beh.get("hang"):
                    time.sleep(beh.get("hang_for", 120))
                    return
                time.sleep(beh.get("delay", 0))
                status = beh.get("status", 200)
                if beh.get("raw") is not None:
                    out = beh["raw"]
                elif status == 200:
                    text = beh.get("text")
                    if text is None:
                        text = server.answer(body)
                    out = json.dumps({"id": "chatcmpl-1", "object": "chat.completion",
                                      "model": body.get("model"),
                                      "choices": [{"index": 0, "finish_reason": "stop",
                                                   "message": {"role": "assistant", "content": text}}],
                                      "usage": {"prompt_tokens": 1, "completion_tokens": 1}}).encode()
                else:
                    out = json.dumps({"error": {"message": "scripted failure %d" % status}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if beh.get("retry_after") is not None:
                    self.send_header("Retry-After", str(beh["retry_after"]))
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base(self):
        return "http://127.0.0.1:%d/v1" % self.port

    def done_requests(self):
        with self.lock:
            return [r for r in self.requests if r["t_end"] is not None]

    def titles_requested(self):
        with self.lock:
            return [_title_of(r["body"]) for r in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def user_message(body):
    for m in body.get("messages", []):
        if m.get("role") == "user":
            return m.get("content", "")
    return ""


def _title_of(body):
    for line in user_message(body).splitlines():
        if line.startswith("Title: "):
            return line[7:]
    return "?"

"""An HTTP/2 origin over TLS for the integration tests, in Python's standard library only
(the tests run on whatever python3 the machine has, without Debian's python3-h2).

It speaks as much of RFC 9113 as a GET needs: the client's preface and SETTINGS, then a
HEADERS frame per request, answered after `delay` seconds with one HEADERS frame
(`:status 200`, a content type and an ETag, HPACK literals of RFC 7541 6.2.2, so no table and no
Huffman code) and one DATA frame holding `body`. It does not decode the request's header
block: every path of the origin gets the same body and ETag, a 200 whether or not the
request was conditional. What it records is when requests arrive and how many were in
flight at once, which is what the scheduling tests look at."""
import socket
import ssl
import struct
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, SETTINGS, PING, GOAWAY = 0x0, 0x1, 0x4, 0x6, 0x7
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def literal(index, value):
    """A header field of the static table's name `index` (RFC 7541 appendix A) with a
    literal value, not indexed (6.2.2): the 4-bit prefix holds 15, the next byte the rest
    (every index used here is below 143); the value is plain, not Huffman-coded."""
    v = value.encode()
    return bytes([0x0f, index - 15, len(v)]) + v


def response_headers(content_type, etag):
    # :status 200 is entry 8 of the static table: 0x88. content-type is entry 31, etag 34.
    return b"\x88" + literal(31, content_type) + literal(34, etag)


class InFlight:
    """Counts of the requests an origin holds: in flight now, the most at once, and those
    that arrived while another was in flight (joined). Thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.max_in_flight, self.joined = 0, 0

    def arrive(self):
        with self.lock:
            self.joined += self.in_flight > 0
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self):
        with self.lock:
            self.in_flight -= 1


class H2Origin(InFlight):
    def __init__(self, context, body, delay=0.0, content_type="application/atom+xml",
                 etag='"h2-1"'):
        ctx = context
        ctx.set_alpn_protocols(["h2"])
        self.ctx, self.body, self.delay = ctx, body, delay
        self.content_type, self.etag = content_type, etag
        super().__init__()
        self.requests = []          # arrival times
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def accept(self):
        while not self.closed:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(raw,), daemon=True).start()

    def serve(self, raw):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        with self.lock:
            self.connections += 1
        send_lock = threading.Lock()

        def send(data):
            with send_lock:
                try:
                    conn.sendall(data)
                except OSError:
                    pass

        def read(n):
            b = b""
            while len(b) < n:
                chunk = conn.recv(n - len(b))
                if not chunk:
                    raise EOFError
                b += chunk
            return b

        def answer(stream):
            time.sleep(self.delay)
            self.leave()
            send(frame(HEADERS, END_HEADERS, stream,
                       response_headers(self.content_type, self.etag)) +
                 frame(DATA, END_STREAM, stream, self.body))

        try:
            if read(len(PREFACE)) != PREFACE:
                return
            send(frame(SETTINGS, 0, 0))
            while True:
                head = read(9)
                length = struct.unpack(">I", b"\0" + head[:3])[0]
                ftype, flags = head[3], head[4]
                stream = struct.unpack(">I", head[5:9])[0] & 0x7fffffff
                payload = read(length)
                if ftype == SETTINGS and not flags & ACK:
                    send(frame(SETTINGS, ACK, 0))
                elif ftype == PING and not flags & ACK:
                    send(frame(PING, ACK, 0, payload))
                elif ftype == GOAWAY:
                    return
                elif ftype == HEADERS and flags & END_STREAM:    # a GET, whole
                    with self.lock:
                        self.requests.append(time.monotonic())
                    self.arrive()
                    threading.Thread(target=answer, args=(stream,), daemon=True).start()
        except (EOFError, OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def reset(self):
        super().reset()
        with self.lock:
            self.requests = []

    def close(self):
        self.closed = True
        self.sock.close()

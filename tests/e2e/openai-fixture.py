#!/usr/bin/env python3
"""A tiny OpenAI-compatible chat server for tests and the README demo.

    openai-fixture.py STATE_DIR

Reads STATE_DIR/key (the bearer key it accepts) and STATE_DIR/nonce (what
it answers), binds 127.0.0.1 on a free port (never another address) and
writes the port to STATE_DIR/port once it listens.  POST
/v1/chat/completions with "Authorization: Bearer <key>" gets an assistant
message that carries the nonce (as server-sent events when the request asks
for a stream, else one JSON object); any other key gets 401 and no nonce.
GET /v1/models lists the one model.  Every request is logged as one line
"METHOD PATH STATUS" to STATE_DIR/requests, so a test can tell that its
agent really called (and that a wrong key was refused).
"""
import hmac
import http.server
import json
import os
import sys
import time

MODEL = "ags-fixture-model"
MAX_BODY = 4 << 20


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the requests file is the log
        pass

    def _record(self, status):
        with open(os.path.join(self.server.state, "requests"), "a", encoding="utf-8") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))

    def _send(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self._record(status)

    def _authorized(self):
        got = self.headers.get("Authorization", "")
        want = "Bearer " + self.server.key
        return hmac.compare_digest(got.encode(), want.encode())

    def do_GET(self):
        if self.path.rstrip("/") != "/v1/models":
            return self._send(404, json.dumps({"error": {"message": "not found"}}))
        self._send(200, json.dumps({"object": "list", "data": [
            {"id": MODEL, "object": "model", "created": 0, "owned_by": "ags"}]}))

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length < 0 or length > MAX_BODY:
            return self._send(413, json.dumps({"error": {"message": "too large"}}))
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._send(404, json.dumps({"error": {"message": "not found"}}))
        if not self._authorized():
            return self._send(401, json.dumps({"error": {
                "message": "invalid API key", "type": "invalid_request_error",
                "code": "invalid_api_key"}}))
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            return self._send(400, json.dumps({"error": {"message": "bad JSON"}}))
        text = "The nonce is %s." % self.server.nonce
        if req.get("stream"):
            return self._stream(text)
        self._send(200, json.dumps({
            "id": "chatcmpl-ags", "object": "chat.completion", "created": int(time.time()),
            "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}))

    def _stream(self, text):
        base = {"id": "chatcmpl-ags", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": MODEL}
        chunks = [
            dict(base, choices=[{"index": 0, "finish_reason": None,
                                 "delta": {"role": "assistant", "content": text}}]),
            dict(base, choices=[{"index": 0, "finish_reason": "stop", "delta": {}}]),
            dict(base, choices=[], usage={"prompt_tokens": 1, "completion_tokens": 1,
                                          "total_tokens": 2}),
        ]
        body = "".join("data: %s\n\n" % json.dumps(c) for c in chunks) + "data: [DONE]\n\n"
        self._send(200, body, "text/event-stream")


def main():
    state = sys.argv[1]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.state = state
    srv.key = read(os.path.join(state, "key"))
    srv.nonce = read(os.path.join(state, "nonce"))
    port = os.path.join(state, "port")
    with open(port + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port + ".tmp", port)
    srv.serve_forever()


if __name__ == "__main__":
    main()

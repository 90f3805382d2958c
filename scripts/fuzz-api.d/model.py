"""A chat-completions endpoint for scripts/fuzz-api: the assistant route
needs a model provider to answer 200, and the fuzzer is testing Stockroom's
side of the conversation, not a model. Every completion is a short plain
reply with no tool call, in the OpenAI-compatible shape the assistant's
adapter reads.

    python3 model.py PORT_FILE    serves on a free loopback port and writes
                                  that port to PORT_FILE once listening
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = json.dumps(
    {
        "id": "fuzz",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Noted."},
                "finish_reason": "stop",
            }
        ],
    }
).encode()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the http.server naming)
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if self.path.rstrip("/").endswith("/chat/completions"):
            status, body = 200, REPLY
        else:
            status, body = 404, b'{"error":"not found"}'
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()

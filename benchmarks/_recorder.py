"""A recording fake model for the session-tax benchmark: answers every request with a short text.

    python _recorder.py PORT LOGFILE -- CLIENT [ARGS...]

Run inside `unshare -n` (loopback only): it brings `lo` up, serves the Anthropic Messages, OpenAI
chat-completions, OpenAI Responses and Gemini generateContent APIs on 127.0.0.1:PORT, appends every
request body to LOGFILE (one JSON line: path, bytes, body), runs the client and exits with its code.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading


def sse(events: list[dict]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def answer(path: str, body: dict) -> tuple[bytes, str]:
    if path.endswith("/responses"):
        item = {"type": "message", "id": "m1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "ok", "annotations": []}]}
        usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                 "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}
        return sse([{"type": "response.created", "response": {"id": "r1"}},
                    {"type": "response.output_item.done", "output_index": 0, "item": item},
                    {"type": "response.completed", "response": {"id": "r1", "output": [item], "usage": usage}}]), \
            "text/event-stream"
    if path.endswith("/chat/completions"):
        def chunk(delta: dict, finish: str | None) -> str:
            return "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 0,
                                          "model": "fake", "choices": [{"index": 0, "delta": delta,
                                                                        "finish_reason": finish}]}) + "\n\n"
        return (chunk({"role": "assistant", "content": "ok"}, None) + chunk({}, "stop")
                + "data: [DONE]\n\n").encode(), "text/event-stream"
    if "generateContent" in path:
        data = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP",
                                "index": 0}],
                "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}}
        if ":streamGenerateContent" in path:
            return f"data: {json.dumps(data)}\n\n".encode(), "text/event-stream"
        return json.dumps(data).encode(), "application/json"
    if "/messages" in path and "count_tokens" not in path:
        usage = {"input_tokens": 1, "output_tokens": 1}
        return sse([{"type": "message_start", "message": {"id": "m1", "type": "message", "role": "assistant",
                                                          "model": body.get("model", "fake"), "content": [],
                                                          "stop_reason": None, "stop_sequence": None,
                                                          "usage": usage}},
                    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}},
                    {"type": "content_block_stop", "index": 0},
                    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
                    {"type": "message_stop"}]), "text/event-stream"
    return b'{"input_tokens": 1, "totalTokens": 1}', "application/json"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path = ""

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length", 0) or 0))
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"path": self.path, "bytes": len(raw), "body": raw.decode("utf-8", "replace")}) + "\n")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        payload, ctype = answer(self.path, body)
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    sep = sys.argv.index("--")
    port, Handler.log_path = int(sys.argv[1]), sys.argv[2]
    if shutil.which("ip"):
        subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    code = subprocess.run(sys.argv[sep + 1:], stdin=subprocess.DEVNULL, env=os.environ).returncode
    server.shutdown()
    sys.exit(code)

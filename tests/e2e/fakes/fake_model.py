"""A tiny fake model API on 127.0.0.1 for end-to-end runs of the real clients (no network, no key).

    python fake_model.py PORT LOGFILE TOOL ARGS_JSON

It answers the first request of a conversation with a call of the offered tool whose name ends
in TOOL (arguments ARGS_JSON), and, once the tool's result comes back, with the text
`RESULT:<tool output>`. Speaks the OpenAI Responses API (Codex), the Anthropic Messages API
(Claude Code), OpenAI chat completions (OpenCode) and Gemini generateContent (Gemini CLI),
streaming (SSE) as the clients ask. Every request is appended to LOGFILE.
"""

from __future__ import annotations

import http.server
import json
import sys

PORT, LOG, TOOL, ARGS = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def sse(events: list[tuple[str, dict]]) -> bytes:
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


def find_tool(tools: list[dict]) -> tuple[str, str | None]:
    for t in tools:
        if t.get("type") == "namespace":
            for sub in t.get("tools", []):
                if sub.get("name", "").endswith(TOOL):
                    return sub["name"], t["name"]
        name = t.get("name", "")
        if name.endswith(TOOL):
            return name, None
    return "", None


def responses(body: dict) -> bytes:
    outputs = [i for i in body.get("input", []) if isinstance(i, dict) and i.get("type") == "function_call_output"]
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
             "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}
    if outputs:
        out = outputs[-1].get("output")
        text = out if isinstance(out, str) else json.dumps(out)
        item = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "RESULT:" + text, "annotations": []}]}
    else:
        name, ns = find_tool(body.get("tools", []))
        item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": name, "arguments": ARGS,
                "status": "completed"}
        if ns:
            item["namespace"] = ns
    return sse([("response.created", {"type": "response.created", "response": {"id": "resp_1"}}),
                ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
                ("response.completed", {"type": "response.completed",
                                        "response": {"id": "resp_1", "output": [item], "usage": usage}})])


def messages(body: dict) -> bytes:
    result = None
    for m in body.get("messages", []):
        for c in m.get("content", []) if isinstance(m.get("content"), list) else []:
            if c.get("type") == "tool_result":
                result = c.get("content")
    usage = {"input_tokens": 1, "output_tokens": 1}
    start = ("message_start", {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model", "fake"), "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": usage}})
    if result is not None:
        text = result if isinstance(result, str) else "".join(x.get("text", "") for x in result)
        return sse([start, ("content_block_start", {"type": "content_block_start", "index": 0,
                                                    "content_block": {"type": "text", "text": ""}}),
                    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                             "delta": {"type": "text_delta", "text": "RESULT:" + text}}),
                    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                       "usage": {"output_tokens": 1}}),
                    ("message_stop", {"type": "message_stop"})])
    name, _ = find_tool(body.get("tools", []))
    return sse([start, ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
        "type": "tool_use", "id": "toolu_1", "name": name, "input": {}}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "input_json_delta", "partial_json": ARGS}}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use"},
                                   "usage": {"output_tokens": 1}}),
                ("message_stop", {"type": "message_stop"})])


def chat(body: dict) -> bytes:
    msgs = body.get("messages", [])
    tool_msgs = [m for m in msgs if m.get("role") == "tool"]

    def chunk(delta: dict, finish: str | None = None) -> bytes:
        data = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": body.get("model", "fake"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(data)}\n\n".encode()
    tools = [{"name": t.get("function", {}).get("name", "")} for t in body.get("tools", [])]
    name, _ = find_tool(tools)
    if tool_msgs or not name:
        content = tool_msgs[-1].get("content") if tool_msgs else "ok"
        text = content if isinstance(content, str) else json.dumps(content)
        parts = [chunk({"role": "assistant", "content": ("RESULT:" + text) if tool_msgs else "Fake title"}),
                 chunk({}, "stop")]
    else:
        parts = [chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                                              "function": {"name": name, "arguments": ARGS}}]}),
                 chunk({}, "tool_calls")]
    usage = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake", "choices": [],
             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    return b"".join(parts) + f"data: {json.dumps(usage)}\n\n".encode() + b"data: [DONE]\n\n"


def gemini(body: dict, stream: bool) -> bytes:
    result = None
    for c in body.get("contents", []):
        for part in c.get("parts", []):
            if "functionResponse" in part:
                result = part["functionResponse"].get("response")
    decls = [d for t in body.get("tools", []) for d in t.get("functionDeclarations", [])]
    name, _ = find_tool(decls)
    if result is not None:
        parts = [{"text": "RESULT:" + json.dumps(result)}]
    elif name:
        parts = [{"functionCall": {"name": name, "args": json.loads(ARGS)}}]
    else:
        parts = [{"text": '{"reasoning": "done", "next_speaker": "user"}'}]
    data = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}}
    return f"data: {json.dumps(data)}\n\n".encode() if stream else json.dumps(data).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length", 0) or 0))
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"path": self.path, "body": raw.decode("utf-8", "replace")[:400_000]}) + "\n")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        ctype = "text/event-stream"
        if self.path.endswith("/responses"):
            payload = responses(body)
        elif self.path.endswith("/chat/completions"):
            payload = chat(body)
        elif ":streamGenerateContent" in self.path or ":generateContent" in self.path:
            stream = ":streamGenerateContent" in self.path
            payload = gemini(body, stream)
            ctype = "text/event-stream" if stream else "application/json"
        elif ":countTokens" in self.path:
            payload, ctype = b'{"totalTokens": 1}', "application/json"
        elif "/messages" in self.path and "count_tokens" not in self.path:
            if not body.get("tools"):  # side requests (titles, summaries): a plain answer
                body = {**body, "messages": [{"content": [{"type": "tool_result", "content": "ok"}]}]}
            payload = messages(body)
        else:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            data = b'{"input_tokens": 1}'
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
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
    http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

"""A scripted fake model API on 127.0.0.1 for end-to-end runs of the real clients (no network, no key).

    python fake_model.py PORT LOGFILE --script SCRIPT.json
    python fake_model.py PORT LOGFILE TOOL ARGS_JSON        # one call of TOOL, then `RESULT:<its output>`

Speaks the Anthropic Messages API (Claude Code), OpenAI chat completions (OpenCode), the OpenAI
Responses API (Codex) and Gemini generateContent (Gemini CLI), streaming (SSE) as the clients ask,
and appends every request to LOGFILE (one JSON line: path, client, conversation, step, reply, body).

It keeps no state, so client retries are harmless. A script is a list of conversations:

    {"conversations": [
      {"name": "audit", "match": "a phrase only the audit agent's prompt has", "steps": [...]},
      {"name": "main", "match": "", "steps": [...]}]}

A request belongs to the first conversation whose `match` occurs in its body (tools and all); within
it, the step to answer is the number of tool results the request already holds, so a refused or failed
call advances the script like a successful one. A step is

    {"call": CANDIDATES, "args": {...}}   call the first candidate the client offers
    {"text": "..."}                       answer with text (ends the turn)

CANDIDATES is a name or a list of names. `cadence:NAME` is cadence's MCP tool NAME (with the lean tier that
installs register, one of the entry points `read`, `plan`, `write`, whose args are `{"tool", "args"}`),
matched by suffix whatever the client's prefix (`mcp__cadence__`, `cadence_`, `mcp_cadence_`, Codex's
`mcp__cadence` namespace); any other name is one of the client's own tools (never one in cadence's
namespace), matched exactly (`Write`, `write`,
`write_file`, `exec_command`, `Task`, `spawn_agent`…). A candidate may be an object
`{"name": …, "args": {…}, "clients": [...]}` to give that client's tool its own arguments. With
`"force": true` the first candidate for this client is called even when the client does not offer it
(a model trying a tool it was not given). `"clients": ["codex", …]` on a step keeps it for those
clients only. When Claude Code offers `WaitForMcpServers` instead of the cadence tool a step wants (the
server is still starting), the fake calls that first. A request with no tools (titles, summaries) or
past the last step gets text.
`{RESULT}` in a text step is replaced by the output of the last tool result the request holds, and an
argument `"{LAST:key}"` by the value of `key` in that output (an id the client made up).
"""

from __future__ import annotations

import http.server
import json
import re
import sys
from typing import Any

PORT, LOG = int(sys.argv[1]), sys.argv[2]
if sys.argv[3] == "--script":
    with open(sys.argv[4], encoding="utf-8") as fh:
        SCRIPT: dict[str, Any] = json.load(fh)
else:  # one call, then its result
    SCRIPT = {"conversations": [{"name": "main", "match": "", "steps": [
        {"call": [f"cadence:{sys.argv[3]}", sys.argv[3]], "args": json.loads(sys.argv[4])},
        {"text": "RESULT:{RESULT}"}]}]}

WAIT = "WaitForMcpServers"  # Claude Code offers it while an MCP server is still starting; its results do not count
PREFIX = {"claude": "mcp__cadence__", "opencode": "cadence_", "gemini": "mcp_cadence_", "codex": ""}


# ---------------------------------------------------------------- reading a request

def offered(client: str, body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(name, namespace) of every tool the request offers."""
    out: list[tuple[str, str | None]] = []
    if client == "gemini":
        return [(d.get("name", ""), None) for t in body.get("tools", []) for d in t.get("functionDeclarations", [])]
    for t in body.get("tools", []):
        if t.get("type") == "namespace":
            out += [(sub.get("name", ""), t.get("name")) for sub in t.get("tools", [])]
        elif client == "opencode":
            out.append((t.get("function", {}).get("name", ""), None))
        else:
            out.append((t.get("name", ""), None))
    return out


def results(client: str, body: dict[str, Any]) -> list[str]:
    """The outputs of the tool results the request holds, in order."""
    out = []
    if client == "claude":
        waits = set()
        for m in body.get("messages", []):
            for c in m.get("content", []) if isinstance(m.get("content"), list) else []:
                if isinstance(c, dict) and c.get("type") == "tool_use" and c.get("name") == WAIT:
                    waits.add(c.get("id"))
                elif isinstance(c, dict) and c.get("type") == "tool_result" and c.get("tool_use_id") not in waits:
                    out.append(_text(c.get("content")))
    elif client == "opencode":
        out = [_text(m.get("content")) for m in body.get("messages", []) if m.get("role") == "tool"]
    elif client == "codex":
        out = [_text(i.get("output")) for i in body.get("input", [])
               if isinstance(i, dict) and i.get("type") in ("function_call_output", "custom_tool_call_output")]
    else:
        out = [json.dumps(p["functionResponse"].get("response")) for c in body.get("contents", [])
               for p in c.get("parts", []) if "functionResponse" in p]
    return out


def _text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "".join(x.get("text", "") if isinstance(x, dict) else str(x) for x in v)
    return json.dumps(v)


# ---------------------------------------------------------------- deciding the reply

def decide(client: str, raw: str, body: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
    """(conversation, step, reply): reply is {"text"} or {"call", "namespace", "args"}."""
    tools = offered(client, body)
    outputs = results(client, body)
    conv = next((c for c in SCRIPT["conversations"] if _matches(c.get("match", ""), raw)), None)
    if conv is None or not tools:
        return "side", -1, {"text": "Fake title" if client != "gemini" else
                            '{"reasoning": "done", "next_speaker": "user"}'}
    steps = [s for s in conv["steps"] if client in s.get("clients", [client])]
    index = len(outputs)
    if index >= len(steps):
        return conv["name"], index, {"text": "done"}
    step = steps[index]
    if "text" in step:
        return conv["name"], index, {"text": step["text"].replace("{RESULT}", outputs[-1] if outputs else "")}
    cands = [c for c in (step["call"] if isinstance(step["call"], list) else [step["call"]])
             if not isinstance(c, dict) or client in c.get("clients", [client])]
    for cand in cands:
        name, args = (cand["name"], cand.get("args", step.get("args", {}))) if isinstance(cand, dict) \
            else (cand, step.get("args", {}))
        found = _find(name, tools)
        if found:
            return conv["name"], index, {"call": found[0], "namespace": found[1], "args": fill(args, outputs)}
    if any(str(c).startswith("cadence:") for c in _names(step)) and (WAIT, None) in tools:
        return conv["name"], index, {"call": WAIT, "namespace": None, "args": {}}  # the server is still starting
    if step.get("force") and cands:
        first = cands[0]
        name, args = (first["name"], first.get("args", step.get("args", {}))) if isinstance(first, dict) \
            else (first, step.get("args", {}))
        if name.startswith("cadence:"):
            bare = name.split(":", 1)[1]
            return conv["name"], index, {"call": PREFIX[client] + bare, "args": args,
                                         "namespace": "mcp__cadence" if client == "codex" else None}
        return conv["name"], index, {"call": name, "namespace": None, "args": args}
    names = sorted(n for n, _ in tools)
    return conv["name"], index, {"text": f"NO TOOL among {step['call']} in {names}"}


def fill(value: Any, outputs: list[str]) -> Any:
    """`{LAST:key}` in an argument: the string value of `key` in the last tool output (an id a client made up,
    such as the agent Codex's spawn_agent started)."""
    if isinstance(value, str) and value.startswith("{LAST:") and value.endswith("}"):
        key = re.escape(value[6:-1])
        found = re.search(r'\\?"' + key + r'\\?"\s*:\s*\\?"([^"\\]+)', outputs[-1] if outputs else "")
        return found.group(1) if found else ""
    if isinstance(value, list):
        return [fill(v, outputs) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, outputs) for k, v in value.items()}
    return value


def _names(step: dict[str, Any]) -> list[str]:
    calls = step["call"] if isinstance(step["call"], list) else [step["call"]]
    return [c["name"] if isinstance(c, dict) else c for c in calls]


def _matches(match: str | list[str], raw: str) -> bool:
    return all(m in raw for m in ([match] if isinstance(match, str) else match))


def _find(name: str, tools: list[tuple[str, str | None]]) -> tuple[str, str | None] | None:
    if name.startswith("cadence:"):
        bare = name.split(":", 1)[1]
        for n, ns in tools:
            if n == bare and ns and "cadence" in ns:
                return n, ns
            if n.endswith("_" + bare) and "cadence" in n:
                return n, ns
        return None
    # a client's own tool: never one of cadence's, which Codex lists under the bare name in its namespace
    return next(((n, ns) for n, ns in tools if n == name and not (ns and "cadence" in ns)), None)


# ---------------------------------------------------------------- writing the reply, per wire format

def sse(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


def anthropic(body: dict[str, Any], reply: dict[str, Any], call_id: str) -> bytes:
    usage = {"input_tokens": 1, "output_tokens": 1}
    start = ("message_start", {"type": "message_start", "message": {
        "id": "msg_" + call_id, "type": "message", "role": "assistant", "model": body.get("model", "fake"),
        "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}})
    if "text" in reply:
        block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": reply["text"]}
        stop = "end_turn"
    else:
        block = {"type": "tool_use", "id": "toolu_" + call_id, "name": reply["call"], "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(reply["args"])}
        stop = "tool_use"
    return sse([start, ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop},
                                   "usage": {"output_tokens": 1}}),
                ("message_stop", {"type": "message_stop"})])


def chat(body: dict[str, Any], reply: dict[str, Any], call_id: str) -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        data = {"id": "c" + call_id, "object": "chat.completion.chunk", "created": 0,
                "model": body.get("model", "fake"), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(data)}\n\n".encode()
    if "text" in reply:
        parts = [chunk({"role": "assistant", "content": reply["text"]}), chunk({}, "stop")]
    else:
        parts = [chunk({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_" + call_id, "type": "function",
                                                              "function": {"name": reply["call"],
                                                                           "arguments": json.dumps(reply["args"])}}]}),
                 chunk({}, "tool_calls")]
    usage = {"id": "c" + call_id, "object": "chat.completion.chunk", "created": 0, "model": "fake", "choices": [],
             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    return b"".join(parts) + f"data: {json.dumps(usage)}\n\n".encode() + b"data: [DONE]\n\n"


def responses(body: dict[str, Any], reply: dict[str, Any], call_id: str) -> bytes:
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
             "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}
    item: dict[str, Any]
    if "text" in reply:
        item = {"type": "message", "id": "msg_" + call_id, "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": reply["text"], "annotations": []}]}
    else:
        item = {"type": "function_call", "id": "fc_" + call_id, "call_id": "call_" + call_id, "name": reply["call"],
                "arguments": json.dumps(reply["args"]), "status": "completed"}
        if reply.get("namespace"):
            item["namespace"] = reply["namespace"]
    rid = "resp_" + call_id
    return sse([("response.created", {"type": "response.created", "response": {"id": rid}}),
                ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
                ("response.completed", {"type": "response.completed",
                                        "response": {"id": rid, "output": [item], "usage": usage}})])


def gemini(reply: dict[str, Any], stream: bool) -> bytes:
    part = {"text": reply["text"]} if "text" in reply else {"functionCall": {"name": reply["call"],
                                                                          "args": reply["args"]}}
    data = {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}}
    return f"data: {json.dumps(data)}\n\n".encode() if stream else json.dumps(data).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        raw = self.rfile.read(int(self.headers.get("content-length", 0) or 0)).decode("utf-8", "replace")
        try:
            body = json.loads(raw or "{}")
        except ValueError:
            body = {}
        path = self.path
        if path.endswith("/responses"):
            client = "codex"
        elif path.endswith("/chat/completions"):
            client = "opencode"
        elif ":streamGenerateContent" in path or ":generateContent" in path:
            client = "gemini"
        elif "/messages" in path and "count_tokens" not in path:
            client = "claude"
        else:
            data = b'{"totalTokens": 1}' if ":countTokens" in path else b'{"input_tokens": 1}'
            self._send("application/json", data)
            return
        conv, step, reply = decide(client, raw, body)
        call_id = f"{conv}_{step}_{len(raw)}"
        if client == "codex":
            payload = responses(body, reply, call_id)
        elif client == "opencode":
            payload = chat(body, reply, call_id)
        elif client == "claude":
            payload = anthropic(body, reply, call_id)
        else:
            stream = ":streamGenerateContent" in path
            payload = gemini(reply, stream)
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"path": path, "client": client, "conversation": conv, "step": step, "reply": reply,
                                 "body": raw[:2_000_000]}) + "\n")
        stream = client != "gemini" or ":streamGenerateContent" in path
        self._send("text/event-stream" if stream else "application/json", payload)

    def _send(self, ctype: str, data: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

"""The MCP server: tool table (`tools.py`) and SDK wiring (`server.py`). Never imported by other commands."""

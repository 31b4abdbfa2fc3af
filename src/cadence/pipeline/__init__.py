"""The pipeline half: from idea to an implementation-ready plan — steps, assembly, validation, knowledge,
adoption of an existing codebase and traceability. Shared by the CLI and the MCP server."""

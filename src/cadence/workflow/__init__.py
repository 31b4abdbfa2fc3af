"""The development workflow half: plans, the task loop with verified evidence, review and the quality gate,
branches and worktrees, docs, session notes, finishing into a pull request, GitHub issues. Shared by the CLI
and the MCP server."""

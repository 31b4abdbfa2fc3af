"""The shipped content library (markdown / yaml) and its loader."""

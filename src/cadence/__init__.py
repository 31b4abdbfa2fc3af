"""cadence: structure, knowledge, state and evidence for AI coding assistants."""

__version__ = "0.1.0"

"""git and gh adapters: argument lists only, timeouts, typed errors (exit 6)."""

"""The repository store: paths, confined file I/O, the lock, config, state, decisions, managed blocks,
the loop file and plan files. Both halves (pipeline/, workflow/) build on it; it imports neither."""

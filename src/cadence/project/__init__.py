"""The user's repository: paths, config, state, lock, decisions, manifest."""

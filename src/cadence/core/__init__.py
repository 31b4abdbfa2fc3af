"""Pure logic: no filesystem, no git, no clock unless passed in."""

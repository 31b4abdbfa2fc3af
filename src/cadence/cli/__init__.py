"""Command-line interface: one module per command group, all thin over core and project."""

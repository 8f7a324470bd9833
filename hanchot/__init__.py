"""The `hanchot` command and the wiring of its processes."""

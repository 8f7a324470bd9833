"""Reporting calendars: the YAML schema, its loader, and examples drawn from real documents."""

"""Pure domain of hanchot: calendars, periods, working days, timelines and rates.

Nothing here does I/O or imports another part of the project, so it can run inside a
workflow's activity, a test or a benchmark unchanged.
"""

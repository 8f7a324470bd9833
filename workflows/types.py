"""Moved to boundary.types (below activities/, notifier/ and web/, which imported it from
here, upward). Kept as an alias so code written against the old path still runs; import
boundary.types in new code."""

from boundary.types import *  # noqa: F403
from boundary.types import TASK_QUEUE as TASK_QUEUE

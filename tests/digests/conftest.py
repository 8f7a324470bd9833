"""The notifier's fixtures (a store with the test calendar, a real SMTP server, a fake Bot
API server, the deliverer), for delivering digests end to end."""

from tests.notifier.conftest import (  # noqa: F401  (fixtures, used by name)
    deliverer,
    registry,
    smtp,
    telegram,
    world,
)
from tests.store.conftest import postgres_database  # noqa: F401

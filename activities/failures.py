"""Store errors leave an activity as a short, retryable ApplicationError.

A SQLAlchemy error carries the whole statement and its parameters in its message, and
its chained DBAPI error a second traceback. A bulk insert of a few hundred outbox rows
makes that failure larger than Temporal accepts ("Failure exceeds size limit."), so the
server records an opaque failure instead of the cause, and the parameters (names,
addresses) would land in workflow history. This interceptor logs the full error in the
worker's log and sends Temporal only the error class and the database's own first line.
The activity stays retryable: store activities are idempotent by design (unique keys,
compare-and-set), and a locked or briefly unreachable database is the usual cause.

An OverflowError or RecursionError is the opposite: pure computation on the activity's
own input (a date past year 9999, a structure too deep), which fails the same way on every
attempt. It leaves as non-retryable, so it is handled once instead of retried for ever.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

MAX_MESSAGE = 500
"""Characters of the database's message kept in the failure."""


def summary(exc: SQLAlchemyError) -> str:
    """`OperationalError: database is locked` — no statement, no parameters."""
    detail = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    first = detail.strip().splitlines()[0] if detail.strip() else ""
    # SQLAlchemy appends "[SQL: ...]" and "[parameters: ...]" to its own messages.
    first = first.split("[SQL:", 1)[0].strip()
    if len(first) > MAX_MESSAGE:
        first = first[: MAX_MESSAGE - 1] + "…"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


CANNOT_SUCCEED = (OverflowError, RecursionError)
"""Errors that the same input raises again on every attempt."""


class _TrimStoreErrors(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except SQLAlchemyError as exc:
            activity.logger.warning("store error, activity will be retried", exc_info=True)
            raise ApplicationError(summary(exc), type=type(exc).__name__) from None
        except CANNOT_SUCCEED as exc:
            activity.logger.error("activity cannot succeed with its input", exc_info=True)
            detail = str(exc)[:MAX_MESSAGE]
            raise ApplicationError(
                f"{type(exc).__name__}: {detail}", type=type(exc).__name__, non_retryable=True
            ) from None


class StoreErrors(Interceptor):
    """Worker interceptor: pass `interceptors=[StoreErrors()]` to the Worker."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _TrimStoreErrors(next)

"""Alembic environment for hanchot's store, usable without an alembic.ini.

`store.migrate` passes an open connection in `config.attributes["connection"]`; the
`alembic` command line (for writing new revisions: `alembic -c store/alembic.ini ...`)
gets a connection to `$HANCHOT_DATABASE_URL` instead.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

import store.models  # noqa: F401  (registers every table on the metadata)
from store.base import Base, UTCDateTime
from store.db import create_engine, database_url

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render `UTCDateTime` as the plain column type it stores.

    A migration must keep working when the model code it was written against changes,
    so it never imports from `store`; the conversion to UTC is Python-side only.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(
        config.get_main_option("sqlalchemy.url") or database_url(), foreign_keys=False
    )
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run against a database")
run_migrations_online()

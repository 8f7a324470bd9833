"""The dashboard's routes, one module per page family; `ROUTERS` lists them all."""

from web.routes import (
    act,
    auth,
    editor,
    editor_entries,
    editor_history,
    extensions,
    matrix,
    messages,
    overview,
    plan,
    quarantine,
    record,
    submit,
    submit_extension,
    submit_files,
    units,
)

ROUTERS = [
    auth.router,
    overview.router,
    matrix.router,
    units.router,
    extensions.router,
    messages.router,
    quarantine.router,
    record.router,
    plan.router,
    submit.router,
    submit_extension.router,
    submit_files.router,
    act.router,
    editor.router,
    editor_entries.router,
    editor_history.router,
]

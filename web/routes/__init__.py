"""The dashboard's routes, one module per page family; `ROUTERS` lists them all."""

from web.routes import (
    accounts,
    accounts_audit,
    accounts_password,
    accounts_telegram,
    act,
    auth,
    extensions,
    import_units,
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
    import_units.router,
    accounts_telegram.router,  # before accounts: /accounts/telegram/send is no account id
    accounts.router,
    accounts_password.router,
    accounts_audit.router,
]

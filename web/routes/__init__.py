"""The dashboard's routes, one module per page family; `ROUTERS` lists them all."""

from web.routes import auth, extensions, matrix, messages, overview, plan, submit, units

ROUTERS = [
    auth.router,
    overview.router,
    matrix.router,
    units.router,
    extensions.router,
    messages.router,
    plan.router,
    submit.router,
]

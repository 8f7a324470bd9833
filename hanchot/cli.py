"""Entry point of the `hanchot` command.

Every sub-command lives in `hanchot/commands/<name>.py` and adds itself with
`register(app)`. Errors a user can fix are printed as one clear line each (exit 1 or 2);
a traceback means a bug in hanchot.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pkgutil
import sys
from typing import NoReturn

import typer

from hanchot import cli_vi, commands

cli_vi.install()
app = typer.Typer(
    name="hanchot",
    help="hanchot (hạn chót): theo dõi hạn nộp báo cáo định kỳ, nhắc việc và đôn đốc.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"hanchot.commands.{info.name}")
        module.register(app)


_register_all()


def main() -> None:
    from store.db import DatabaseURLError
    from store.private import keep_private

    keep_private()  # every file any command (or its children) writes: this user's only
    code: int | str | None = 0
    try:
        app()
    except SystemExit as done:
        code = done.code
    except DatabaseURLError as e:
        # Raised from wherever a command first asks where the store is (a password file
        # that cannot be read, a URL no driver takes): the same line `hanchot db` prints.
        from hanchot.commands.db import MSG

        print(MSG["err_url"].format(url=e.url, detail=e.detail), file=sys.stderr)
        code = 1
    leave(code)


def leave(code: int | str | None) -> NoReturn:
    """End the process. After a Temporal client was used, skip the interpreter's
    finalization: the SDK's Rust threads may still touch the GIL while Python tears
    down, which aborts with `Fatal Python error: PyGILState_Release` (exit 134) after the
    work succeeded (temporalio/sdk-python#300). Output and logs are flushed first."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    status = int(code or 0)
    if "temporalio.bridge.runtime" not in sys.modules:
        raise SystemExit(status)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)

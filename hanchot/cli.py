"""Entry point of the `hanchot` command.

Every sub-command lives in `hanchot/commands/<name>.py` and adds itself with
`register(app)`. Errors a user can fix are printed as one clear line each (exit 1 or 2);
a traceback means a bug in hanchot.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from hanchot import commands

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
    try:
        app()
    except DatabaseURLError as e:
        # Raised from wherever a command first asks where the store is (a password file
        # that cannot be read, a URL no driver takes): the same line `hanchot db` prints.
        import sys

        from hanchot.commands.db import MSG

        print(MSG["err_url"].format(url=e.url, detail=e.detail), file=sys.stderr)
        raise SystemExit(1) from None

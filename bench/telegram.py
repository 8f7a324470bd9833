"""`bench/telegram.py`: Telegram delivery at Telegram's limit; the measurements live in
`bench/telegram_limits.py` (run either).

    .venv/bin/python bench/telegram.py [--write]

A file of this name in bench/ is also what `import telegram` finds first for every script
run from bench/ (its directory leads sys.path). Imported under that name, it hands the
importer python-telegram-bot itself.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

if __name__ == "telegram":
    _bench = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _bench]
    del sys.modules["telegram"]
    sys.modules["telegram"] = importlib.import_module("telegram")
elif __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    importlib.import_module("telegram_limits").main()

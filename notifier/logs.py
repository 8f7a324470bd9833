"""Secrets masked in every log line, by design rather than by care.

`mask_secrets(values)` installs a filter on the root logger's handlers that replaces any
secret (bot token, passwords, the signing key) with `***` in the formatted message,
whoever logged it: httpx, for one, logs request URLs that carry the bot token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


class SecretMask(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = self.mask(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_secrets(secrets: Iterable[str], logger: logging.Logger | None = None) -> SecretMask:
    """Mask on every handler of `logger` (default: root) and on the logger itself."""
    target = logger or logging.getLogger()
    flt = SecretMask(secrets)
    target.addFilter(flt)
    for handler in target.handlers:
        handler.addFilter(flt)
    return flt

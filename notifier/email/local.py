"""The embedded default: a local SMTP server keeping every message in a Maildir, so mail
sent without credentials is visible afterwards (`<data dir>/mail/new/`)."""

from __future__ import annotations

import mailbox
import socket
from dataclasses import replace
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from notifier.settings import SmtpSettings
from store.private import private_dir


def free_port() -> int:
    # aiosmtpd's Controller(port=0) cannot work: it connects to its own port to check
    # that it started, so the port must be known before.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalMailServer:
    def __init__(self, maildir: Path, port: int | None = None) -> None:
        self.maildir = maildir
        self.port = port or free_port()
        private_dir(maildir.parent)
        self._controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def settings(self, base: SmtpSettings) -> SmtpSettings:
        """`base` pointed at this server (no TLS, no login: it is loopback only)."""
        return replace(base, host="127.0.0.1", port=self.port, security="none", user="")

    def messages(self) -> list[mailbox.MaildirMessage]:
        return list(mailbox.Maildir(self.maildir, create=False))
